// The official Anthropic SDK (and the OpenAI SDK) against Switchboard, pointed at it by baseURL only:
// /v1/messages with an Anthropic target (passed through) and an OpenAI target (translated),
// streaming and not, tool use, count_tokens, typed errors; /v1/chat/completions with an Anthropic
// target, and /v1/responses with an Anthropic target; a base64 PDF document to an OpenAI and a Gemini
// target; a Gemini 3 tool loop (chat-gemini-3), whose
// thought signature the SDK keeps as a thinking block and hands back; a reasoning model
// (chat-reasoner) whose reasoning_content comes back as a thinking block, and Gemini 3
// (chat-gemini-3), asked to think by the request's thinking, whose thought summaries do; the model listing
// (models.list(), auto-paginated, and models.retrieve()). Prints one JSON document for
// NpmAnthropicSdkIT to check.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

const anthropic = new Anthropic({ baseURL: process.env.SWITCHBOARD_ORIGIN, apiKey: "sk-app", maxRetries: 0 });
const openai = new OpenAI({ baseURL: process.env.SWITCHBOARD_BASE_URL, apiKey: "sk-app", maxRetries: 0 });
const tools = [{ name: "lookup", description: "Look something up", input_schema: { type: "object", properties: { query: { type: "string" } } } }];

async function messages(model) {
  const plain = await anthropic.messages.create({
    model, max_tokens: 64, system: "Be brief.", messages: [{ role: "user", content: `hello ${model}` }],
  });
  const stream = anthropic.messages.stream({
    model, max_tokens: 64, messages: [{ role: "user", content: `stream ${model}` }],
  });
  const events = [];
  stream.on("streamEvent", (e) => events.push(e.type));
  const streamed = await stream.finalMessage();
  const toolStream = anthropic.messages.stream({
    model, max_tokens: 64, tools, tool_choice: { type: "any" },
    messages: [{ role: "user", content: `lookup via ${model}` }],
  });
  const toolMessage = await toolStream.finalMessage();
  const tool = toolMessage.content.find((b) => b.type === "tool_use");
  const plainTool = await anthropic.messages.create({
    model, max_tokens: 64, tools, tool_choice: { type: "tool", name: "lookup" },
    messages: [
      { role: "user", content: "first" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup", input: { query: "a" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "found" }, { type: "text", text: "again" }] },
    ],
  });
  let count;
  try {
    count = (await anthropic.messages.countTokens({ model, messages: [{ role: "user", content: "count these words" }] })).input_tokens;
  } catch (e) {
    count = { status: e.status, type: e.error?.error?.type, name: e.constructor.name };
  }
  return {
    text: plain.content.map((b) => b.text ?? "").join(""), stopReason: plain.stop_reason, usage: plain.usage,
    streamText: streamed.content.map((b) => b.text ?? "").join(""), streamStop: streamed.stop_reason, events,
    streamUsage: streamed.usage,
    toolName: tool?.name, toolInput: tool?.input, toolStop: toolMessage.stop_reason,
    plainToolName: plainTool.content.find((b) => b.type === "tool_use")?.name, plainToolStop: plainTool.stop_reason,
    count,
  };
}

// A two-turn tool loop on a Gemini 3 target, as an agent runs it: the assistant turn goes back as the
// SDK returned it (a thinking block carrying the call's thought signature, then the tool_use).
async function geminiLoop(model, streamed) {
  const ask = { role: "user", content: `find cats via ${model}` }; // names no tool: turn 2 answers
  const call = (request) => streamed
    ? anthropic.messages.stream(request).finalMessage()
    : anthropic.messages.create(request);
  const first = await call({ model, max_tokens: 64, tools, tool_choice: { type: "any" }, messages: [ask] });
  const use = first.content.find((b) => b.type === "tool_use");
  const second = await call({
    model, max_tokens: 64, tools,
    messages: [ask, { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "3 cats" }] }],
  });
  return {
    blocks: first.content.map((b) => b.type), stop: first.stop_reason,
    signature: first.content.find((b) => b.type === "thinking")?.signature,
    secondStop: second.stop_reason, secondText: second.content.map((b) => b.text ?? "").join(""),
  };
}

// A reasoning model behind an OpenAI-compatible API with thinking enabled, JSON and streamed (the
// SDK's accumulator builds the thinking block from thinking_delta events), then the answer handed
// back as the next turn's history.
async function reasoner(model) {
  const thinking = { type: "enabled", budget_tokens: 1024 };
  const ask = { role: "user", content: `think via ${model}` };
  const plain = await anthropic.messages.create({ model, max_tokens: 2048, thinking, messages: [ask] });
  const stream = anthropic.messages.stream({ model, max_tokens: 2048, thinking, messages: [ask] });
  const deltas = [];
  stream.on("streamEvent", (e) => { if (e.type === "content_block_delta") deltas.push(e.delta.type); });
  const streamed = await stream.finalMessage();
  const { data: next, response } = await anthropic.messages.create({
    model, max_tokens: 2048, thinking,
    messages: [ask, { role: "assistant", content: plain.content }, { role: "user", content: "and again" }],
  }).withResponse();
  const unthought = await anthropic.messages.create({ model, max_tokens: 2048, messages: [ask] });
  const shape = (m) => m.content.map((b) => ({ type: b.type, thinking: b.thinking, signature: b.signature, text: b.text }));
  return {
    plain: shape(plain), streamed: shape(streamed), deltas: [...new Set(deltas)],
    next: shape(next), nextUnhonoured: response.headers.get("x-switchboard-unhonoured-params"),
    unthought: shape(unthought),
  };
}

let notFound = null;
try {
  await anthropic.messages.create({ model: "no-such-model", max_tokens: 8, messages: [{ role: "user", content: "x" }] });
} catch (e) {
  notFound = { status: e.status, type: e.error?.error?.type, name: e.constructor.name };
}
let badRequest = null;
try {
  await anthropic.messages.create({ model: "chat-claude", messages: [{ role: "user", content: "x" }] });
} catch (e) {
  badRequest = { status: e.status, type: e.error?.error?.type, message: e.error?.error?.message };
}

const chat = await openai.chat.completions.create({
  model: "chat-claude", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "openai sdk to claude" }],
});
const chatStream = await openai.chat.completions.create({
  model: "chat-claude", stream: true, stream_options: { include_usage: true },
  messages: [{ role: "user", content: "openai stream to claude" }],
});
let chatStreamed = "";
let chatUsage = null;
for await (const chunk of chatStream) {
  for (const choice of chunk.choices) chatStreamed += choice.delta?.content ?? "";
  if (chunk.usage) chatUsage = chunk.usage;
}

// reasoning_effort on an Anthropic target turns extended thinking on; its thinking comes back as
// reasoning_content (a field the SDK passes through untyped), JSON and streamed.
const reasoned = await openai.chat.completions.create({
  model: "chat-claude", reasoning_effort: "low", max_completion_tokens: 2048,
  messages: [{ role: "user", content: "reason to claude" }],
});
const reasonedStream = await openai.chat.completions.create({
  model: "chat-claude", reasoning_effort: "low", max_completion_tokens: 2048, stream: true,
  messages: [{ role: "user", content: "reason stream to claude" }],
});
let streamedReasoning = "";
let streamedAnswer = "";
for await (const chunk of reasonedStream) {
  for (const choice of chunk.choices) {
    streamedReasoning += choice.delta?.reasoning_content ?? "";
    streamedAnswer += choice.delta?.content ?? "";
  }
}

// The Responses API on an Anthropic target: bridged through chat completions to the adapter.
const response = await openai.responses.create({ model: "chat-claude", input: "responses to claude" });
const responseStream = await openai.responses.create({
  model: "chat-claude", input: "responses stream to claude", stream: true,
});
let responseStreamed = "";
let responseDone = null;
for await (const event of responseStream) {
  if (event.type === "response.output_text.delta") responseStreamed += event.delta;
  if (event.type === "response.completed") responseDone = event.response.status;
}

// The SDK drops keep-alive pings before user code sees them; the raw wire shows them relayed.
const raw = await fetch(`${process.env.SWITCHBOARD_ORIGIN}/v1/messages`, {
  method: "POST",
  headers: { "content-type": "application/json", "x-api-key": "sk-app", "anthropic-version": "2023-06-01" },
  body: JSON.stringify({ model: "chat-claude", max_tokens: 16, stream: true, messages: [{ role: "user", content: "raw" }] }),
});
const rawEvents = (await raw.text()).split("\n").filter((l) => l.startsWith("event: ")).map((l) => l.slice(7));

// The model listing as Anthropic SDKs (and Claude Code) read it: auto-paginated with a small page,
// so the SDK follows last_id through several pages; one model retrieved; an unknown one typed.
const anthropicModels = [];
for await (const m of anthropic.models.list({ limit: 2 })) anthropicModels.push(m.id);
const firstPage = await anthropic.models.list({ limit: 2 });
const retrieved = await anthropic.models.retrieve("chat-claude");
const openaiModels = [];
for await (const m of openai.models.list()) openaiModels.push(m.id);
let modelNotFound = null;
try {
  await anthropic.models.retrieve("no-such-model");
} catch (e) {
  modelNotFound = { status: e.status, type: e.error?.error?.type, name: e.constructor.name, requestId: e.requestID };
}
const models = {
  anthropic: anthropicModels, openai: openaiModels,
  firstPage: { size: firstPage.data.length, hasMore: firstPage.has_more, type: firstPage.data[0]?.type },
  retrieved: { type: retrieved.type, id: retrieved.id, displayName: retrieved.display_name, createdAt: retrieved.created_at },
  notFound: modelNotFound,
};

// A PDF as a base64 document block: on a target that does not speak Messages it goes as chat's file
// part (OpenAI: file_data; Gemini: inlineData), so the request is answered rather than refused.
async function pdf(model) {
  const document = {
    type: "document", title: "notes.pdf",
    source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQKJcfsj6IK" },
  };
  try {
    const { data, response } = await anthropic.messages.create({
      model, max_tokens: 64,
      messages: [{ role: "user", content: [document, { type: "text", text: `read the pdf via ${model}` }] }],
    }).withResponse();
    return {
      text: data.content.map((b) => b.text ?? "").join(""), stopReason: data.stop_reason,
      unhonoured: response.headers.get("x-switchboard-unhonoured-params"),
    };
  } catch (e) {
    return { status: e.status, message: e.message };
  }
}

console.log(JSON.stringify({
  pdfToOpenAi: await pdf("chat-default"),
  pdfToGemini: await pdf("chat-gemini-3"),
  models,
  rawEvents,
  anthropicTarget: await messages("chat-claude"),
  openaiTarget: await messages("chat-default"),
  geminiLoop: await geminiLoop("chat-gemini-3", false),
  geminiStreamLoop: await geminiLoop("chat-gemini-3", true),
  reasoner: await reasoner("chat-reasoner"),
  geminiThinking: await reasoner("chat-gemini-3"),
  notFound, badRequest,
  chatToClaude: { model: chat.model, content: chat.choices[0].message.content, finish: chat.choices[0].finish_reason },
  chatStreamToClaude: { content: chatStreamed, usage: chatUsage },
  reasoningToClaude: {
    content: reasoned.choices[0].message.content,
    reasoning: reasoned.choices[0].message.reasoning_content,
    streamedContent: streamedAnswer,
    streamedReasoning,
  },
  responsesToClaude: { text: response.output_text, streamed: responseStreamed, status: responseDone },
}));
