// The exact client most applications use, pointed at Switchboard by baseURL only.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.SWITCHBOARD_BASE_URL, apiKey: "sk-app", maxRetries: 0 });

const completion = await client.chat.completions.create({
  model: "chat-default",
  messages: [{ role: "user", content: "hello from node" }],
});

const stream = await client.chat.completions.create({
  model: "gpt-4o",
  messages: [{ role: "user", content: "stream from node" }],
  stream: true,
  stream_options: { include_usage: true },
});
let streamed = "";
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  for (const choice of chunk.choices) streamed += choice.delta?.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}

let notFound = null;
try {
  await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] });
} catch (e) {
  notFound = { status: e.status, code: e.code, type: e.type };
}

console.log(JSON.stringify({
  nonStreaming: { model: completion.model, content: completion.choices[0].message.content },
  streaming: { content: streamed, chunks, usage },
  notFound,
}));
