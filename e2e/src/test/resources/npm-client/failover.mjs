// The OpenAI SDK on a route whose OpenAI target is failing: the gateway fails over to the
// Anthropic target, streaming and not (see NpmAnthropicSdkIT).
import OpenAI from "openai";

const openai = new OpenAI({ baseURL: process.env.SWITCHBOARD_BASE_URL, apiKey: "sk-app", maxRetries: 0 });
const { data: plain, response } = await openai.chat.completions
  .create({ model: "chat-families", messages: [{ role: "user", content: "fail over" }] })
  .withResponse();
const { data: stream, response: streamResponse } = await openai.chat.completions
  .create({ model: "chat-families", stream: true, messages: [{ role: "user", content: "fail over streaming" }] })
  .withResponse();
let streamed = "";
for await (const chunk of stream) {
  for (const choice of chunk.choices) streamed += choice.delta?.content ?? "";
}
console.log(JSON.stringify({
  plain: { provider: response.headers.get("x-switchboard-provider"), content: plain.choices[0].message.content },
  stream: { provider: streamResponse.headers.get("x-switchboard-provider"), content: streamed },
}));
