// The Responses API as applications call it, pointed at Switchboard by baseURL only: the openai
// SDK's responses.create and .stream helper, and the Vercel AI SDK's default provider (which uses
// the Responses API) with generateText, streamText with a tool, and generateObject.
// Usage: node responses.mjs <model>   (prints one JSON line with what each call returned)
import OpenAI from "openai";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText, generateObject, tool } from "ai";
import { z } from "zod";

const model = process.argv[2] ?? "chat-default";
const baseURL = process.env.SWITCHBOARD_BASE_URL;
const client = new OpenAI({ baseURL, apiKey: "sk-app", maxRetries: 0 });

const created = await client.responses.create({ model, input: "responses from node" });

const stream = client.responses.stream({ model, input: "stream responses from node" });
const types = [];
let deltas = "";
for await (const event of stream) {
  types.push(event.type);
  if (event.type === "response.output_text.delta") deltas += event.delta;
}
const final = await stream.finalResponse();
// The SDK sets output_text on create()'s answer; a streamed final response has only its output.
const finalText = final.output
  .filter((item) => item.type === "message")
  .flatMap((item) => item.content)
  .filter((part) => part.type === "output_text")
  .map((part) => part.text)
  .join("");

const openai = createOpenAI({ baseURL, apiKey: "sk-app" });
const text = await generateText({ model: openai(model), prompt: "vercel generateText" });

const streamed = streamText({
  model: openai(model),
  prompt: "please call lookup",
  tools: {
    lookup: tool({
      description: "Looks something up",
      inputSchema: z.object({ query: z.string() }),
      execute: async ({ query }) => `found ${query.length} chars`,
    }),
  },
  toolChoice: "required",
});
const toolCalls = [];
const toolResults = [];
for await (const part of streamed.fullStream) {
  if (part.type === "tool-call") toolCalls.push({ name: part.toolName, input: part.input });
  if (part.type === "tool-result") toolResults.push(part.output);
  if (part.type === "error") throw part.error;
}

const object = await generateObject({
  model: openai(model),
  schema: z.object({ model: z.string(), echo: z.string() }),
  prompt: "vercel generateObject",
});

console.log(JSON.stringify({
  create: { id: created.id, text: created.output_text, usage: created.usage },
  stream: { first: types[0], last: types[types.length - 1], deltas, text: finalText, usage: final.usage },
  generateText: { text: text.text, inputTokens: text.usage.inputTokens },
  streamText: { toolCalls, toolResults },
  generateObject: object.object,
}));
