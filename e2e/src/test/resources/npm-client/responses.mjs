// The Responses API as applications call it, pointed at Switchboard by baseURL only: the openai
// SDK's responses.create and .stream helper, and the Vercel AI SDK's default provider (which uses
// the Responses API) with generateText, streamText with a tool, and generateObject.
// With "tool-loop", a two-turn function-calling loop as Codex runs it (store: false, the output
// items handed back as input), JSON and streamed: on a Gemini 3 target the call's thought signature
// travels in a reasoning item. With "thinking-loop", the same loop with extended thinking as Codex
// asks for it (reasoning.effort, include: ["reasoning.encrypted_content"]): on an Anthropic target
// the thinking block and its signature travel in the reasoning item's encrypted_content.
// With "stored", a stored response's input items listed one per page, as the SDK's auto-pagination
// follows the cursor through the gateway, then the response retrieved and deleted.
// Usage: node responses.mjs <model> [tool-loop|thinking-loop|stored]   (prints one JSON line with what each call returned)
import OpenAI from "openai";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText, generateObject, tool } from "ai";
import { z } from "zod";

const model = process.argv[2] ?? "chat-default";
const baseURL = process.env.SWITCHBOARD_BASE_URL;
const client = new OpenAI({ baseURL, apiKey: "sk-app", maxRetries: 0 });

if (process.argv[3] === "thinking-loop") {
  // The loop alone: the calls below expect an echoing chat model.
  const thinking = { json: await toolLoop(false, true), stream: await toolLoop(true, true) };
  console.log(JSON.stringify({ toolLoop: thinking }));
  process.exit(0);
}

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

// The output text's token logprobs, streamed: each delta's, the done event's and the part's.
const withLogprobs = client.responses.stream({
  model, input: "logprobs from node", include: ["message.output_text.logprobs"], top_logprobs: 2,
});
const logprobs = { deltas: 0, deltasWith: 0, tokens: "", text: "", tops: 0, done: 0, part: 0 };
for await (const event of withLogprobs) {
  if (event.type === "response.output_text.delta") {
    logprobs.deltas++;
    logprobs.text += event.delta;
    if (event.logprobs?.length) logprobs.deltasWith++;
    for (const token of event.logprobs ?? []) {
      logprobs.tokens += token.token;
      logprobs.tops = Math.max(logprobs.tops, token.top_logprobs?.length ?? 0);
    }
  }
  if (event.type === "response.output_text.done") logprobs.done = event.logprobs?.length ?? 0;
}
const withLogprobsFinal = await withLogprobs.finalResponse();
logprobs.part = withLogprobsFinal.output
  .filter((item) => item.type === "message")
  .flatMap((item) => item.content)
  .filter((part) => part.type === "output_text")
  .reduce((n, part) => n + (part.logprobs?.length ?? 0), 0);

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

async function toolLoop(streamed, thinking = false) {
  const tools = [{ type: "function", name: "lookup", description: "Looks something up",
    parameters: { type: "object", properties: { query: { type: "string" } } } }];
  // Without thinking, names no tool: turn 2 answers. With it (Anthropic refuses thinking beside a
  // forced tool), names the tool, which the mock then calls unforced.
  const ask = { role: "user", content: thinking ? "please use lookup to find cats" : "please find cats" };
  const asked = thinking
    ? { reasoning: { effort: "low" }, include: ["reasoning.encrypted_content"] }
    : {};
  const call = (request) => streamed
    ? client.responses.stream(request).finalResponse()
    : client.responses.create(request);
  const first = await call({
    model, store: false, tools, ...asked, ...(thinking ? {} : { tool_choice: "required" }), input: [ask],
  });
  const fc = first.output.find((item) => item.type === "function_call");
  const second = await call({
    model, store: false, tools, ...asked,
    input: [ask, ...first.output, { type: "function_call_output", call_id: fc.call_id, output: "3 cats" }],
  });
  return {
    items: first.output.map((item) => item.type),
    encrypted: first.output.find((item) => item.type === "reasoning")?.encrypted_content,
    secondStatus: second.status,
    secondItems: second.output.map((item) => item.type),
    secondText: second.output.filter((i) => i.type === "message").flatMap((i) => i.content)
      .map((p) => p.text ?? "").join(""),
  };
}
async function storedItems() {
  const input = ["one", "two", "three"].map((text, i) => ({ role: i % 2 ? "assistant" : "user", content: text }));
  const stored = await client.responses.create({ model, input, store: true });
  const texts = [];
  let pages = 0;
  for await (const page of (await client.responses.inputItems.list(stored.id, { limit: 1 })).iterPages()) {
    pages++;
    for (const item of page.data) texts.push(item.content.map((part) => part.text).join(""));
  }
  const retrieved = await client.responses.retrieve(stored.id);
  const deleted = await client.responses.delete(stored.id);
  return { texts, pages, retrieved: retrieved.output_text, deleted: deleted.deleted ?? true };
}
const storedResult = process.argv[3] === "stored" ? await storedItems() : null;

const loops = process.argv[3] === "tool-loop"
  ? { json: await toolLoop(false), stream: await toolLoop(true) }
  : null;

console.log(JSON.stringify({
  toolLoop: loops,
  stored: storedResult,
  create: { id: created.id, text: created.output_text, usage: created.usage },
  stream: { first: types[0], last: types[types.length - 1], deltas, text: finalText, usage: final.usage },
  logprobs,
  generateText: { text: text.text, inputTokens: text.usage.inputTokens },
  streamText: { toolCalls, toolResults },
  generateObject: object.object,
}));
