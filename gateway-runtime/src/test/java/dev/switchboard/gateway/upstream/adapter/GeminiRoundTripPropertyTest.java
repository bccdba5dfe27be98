package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: chat → Gemini → chat keeps every field both sides can express. Requests: random
 * conversations (system text, user/assistant text, parallel tool calls with ids and object
 * arguments, tool results as JSON objects, sampling parameters) are encoded for Gemini and read
 * back with a reader of Gemini's request format written here; the result must equal the original.
 * Answers: random Gemini candidates (text, calls with ids, finish reasons, usage) decoded to a chat
 * completion must carry each of them. Seeded, so a failure replays; the seed is in the message.
 */
class GeminiRoundTripPropertyTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RUNS = 500;
  private static final String[] WORDS = {
    "alpha", "Grüße", "42", "{\"x\":1}", "line\nbreak", "", "🌍"
  };

  @Test
  void requestsSurviveTheRoundTrip() throws Exception {
    for (int run = 0; run < RUNS; run++) {
      Random random = new Random(run);
      ObjectNode chat = randomChat(random);
      ObjectNode back = readBack(GeminiRequests.chat(chat));
      assertThat(JSON.readTree(back.toString()))
          .as("seed " + run + ": " + chat)
          .isEqualTo(JSON.readTree(chat.toString()));
    }
  }

  @Test
  void answersKeepTextCallsFinishAndUsage() {
    String[] finishes = {"STOP", "MAX_TOKENS", "SAFETY"};
    String[] mapped = {"stop", "length", "content_filter"};
    for (int run = 0; run < RUNS; run++) {
      Random random = new Random(run);
      ObjectNode gemini = JSON.createObjectNode();
      ObjectNode candidate = gemini.putArray("candidates").addObject();
      ArrayNode parts = candidate.putObject("content").put("role", "model").putArray("parts");
      String text = random.nextBoolean() ? text(random) : null;
      if (text != null) {
        parts.addObject().put("text", text);
      }
      int calls = random.nextInt(3);
      for (int i = 0; i < calls; i++) {
        ObjectNode call = parts.addObject().putObject("functionCall");
        call.put("id", "id" + i).put("name", "f" + random.nextInt(5));
        call.putObject("args").put("k", text(random));
      }
      int finish = random.nextInt(3);
      candidate.put("finishReason", finishes[finish]);
      long prompt = random.nextInt(1000);
      long cached = random.nextInt((int) prompt + 1);
      long output = random.nextInt(500);
      gemini
          .putObject("usageMetadata")
          .put("promptTokenCount", prompt)
          .put("candidatesTokenCount", output)
          .put("cachedContentTokenCount", cached)
          .put("totalTokenCount", prompt + output);
      gemini.put("modelVersion", "m" + run).put("responseId", "r" + run);

      JsonNode chat = GeminiReplies.chat(gemini, 0);
      JsonNode choice = chat.at("/choices/0");
      String at = "seed " + run + ": " + gemini;
      assertThat(chat.path("model").asText()).as(at).isEqualTo("m" + run);
      assertThat(
              choice.at("/message/content").isNull()
                  ? null
                  : choice.at("/message/content").asText())
          .as(at)
          .isEqualTo(text);
      assertThat(choice.at("/message/tool_calls").size()).as(at).isEqualTo(calls);
      for (int i = 0; i < calls; i++) {
        JsonNode call = choice.at("/message/tool_calls/" + i);
        JsonNode original = parts.get(i + (text != null ? 1 : 0)).get("functionCall");
        assertThat(call.path("id").asText()).as(at).isEqualTo(original.get("id").asText());
        assertThat(call.at("/function/name").asText())
            .as(at)
            .isEqualTo(original.get("name").asText());
        assertThat(call.at("/function/arguments").asText())
            .as(at)
            .isEqualTo(original.get("args").toString());
      }
      String expectedFinish = calls > 0 && finish == 0 ? "tool_calls" : mapped[finish];
      assertThat(choice.path("finish_reason").asText()).as(at).isEqualTo(expectedFinish);
      assertThat(chat.at("/usage/prompt_tokens").asLong()).as(at).isEqualTo(prompt);
      assertThat(chat.at("/usage/completion_tokens").asLong()).as(at).isEqualTo(output);
      assertThat(chat.at("/usage/prompt_tokens_details/cached_tokens").asLong())
          .as(at)
          .isEqualTo(cached);
    }
  }

  private static String text(Random random) {
    StringBuilder b = new StringBuilder();
    int n = random.nextInt(4);
    for (int i = 0; i < n; i++) {
      b.append(i > 0 ? " " : "").append(WORDS[random.nextInt(WORDS.length)]);
    }
    return b.toString();
  }

  /**
   * A message's text: never empty, as an empty text has no Gemini form (Gemini refuses an empty
   * text part, so the translation leaves it out).
   */
  private static String messageText(Random random) {
    String text = text(random);
    return text.isEmpty() ? "alpha" : text;
  }

  /**
   * A conversation whose every field has a Gemini form (system messages first, as Gemini keeps them
   * apart).
   */
  private static ObjectNode randomChat(Random random) {
    ObjectNode chat = JSON.createObjectNode();
    ArrayNode messages = chat.putArray("messages");
    int systems = random.nextInt(3);
    for (int i = 0; i < systems; i++) {
      messages.addObject().put("role", "system").put("content", messageText(random));
    }
    int turns = 1 + random.nextInt(4);
    int callId = 0;
    for (int t = 0; t < turns; t++) {
      messages.addObject().put("role", "user").put("content", messageText(random));
      ObjectNode assistant = messages.addObject().put("role", "assistant");
      int calls = random.nextInt(3);
      if (calls == 0 || random.nextBoolean()) {
        assistant.put("content", messageText(random));
      } else {
        assistant.putNull("content");
      }
      List<String> ids = new ArrayList<>();
      if (calls > 0) {
        ArrayNode toolCalls = assistant.putArray("tool_calls");
        for (int c = 0; c < calls; c++) {
          String id = "call_" + callId++;
          ids.add(id);
          ObjectNode args =
              JSON.createObjectNode().put("q", text(random)).put("n", random.nextInt(9));
          toolCalls
              .addObject()
              .put("id", id)
              .put("type", "function")
              .putObject("function")
              .put("name", "fn" + random.nextInt(3))
              .put("arguments", args.toString());
        }
        for (String id : ids) {
          ObjectNode result = JSON.createObjectNode().put("value", text(random));
          messages
              .addObject()
              .put("role", "tool")
              .put("tool_call_id", id)
              .put("content", result.toString());
        }
      }
    }
    if (random.nextBoolean()) {
      chat.put("temperature", random.nextInt(20) / 10.0);
    }
    if (random.nextBoolean()) {
      chat.put("top_p", random.nextInt(10) / 10.0);
    }
    if (random.nextBoolean()) {
      chat.put("max_completion_tokens", 1 + random.nextInt(4000));
    }
    if (random.nextBoolean()) {
      chat.putArray("stop").add("END").add(text(random) + "#");
    }
    if (random.nextBoolean()) {
      chat.put("n", 1 + random.nextInt(4));
    }
    if (random.nextBoolean()) {
      chat.put("seed", random.nextInt(100000));
    }
    return chat;
  }

  /** Reads a generateContent body back into the chat request it expresses (test-side inverse). */
  private static ObjectNode readBack(ObjectNode gemini) {
    ObjectNode chat = JSON.createObjectNode();
    ArrayNode messages = chat.putArray("messages");
    for (JsonNode part : gemini.path("systemInstruction").path("parts")) {
      messages.addObject().put("role", "system").put("content", part.path("text").asText());
    }
    for (JsonNode content : gemini.path("contents")) {
      boolean model = "model".equals(content.path("role").asText());
      JsonNode parts = content.path("parts");
      if (parts.size() > 0 && parts.get(0).has("functionResponse")) {
        for (JsonNode part : parts) {
          JsonNode response = part.get("functionResponse");
          messages
              .addObject()
              .put("role", "tool")
              .put("tool_call_id", response.path("id").asText())
              .put("content", response.path("response").toString());
        }
        continue;
      }
      ObjectNode message = messages.addObject().put("role", model ? "assistant" : "user");
      StringBuilder text = null;
      ArrayNode calls = null;
      for (JsonNode part : parts) {
        if (part.has("text")) {
          text = (text == null ? new StringBuilder() : text).append(part.path("text").asText());
        } else if (part.has("functionCall")) {
          JsonNode call = part.get("functionCall");
          calls = calls == null ? JSON.createArrayNode() : calls;
          calls
              .addObject()
              .put("id", call.path("id").asText())
              .put("type", "function")
              .putObject("function")
              .put("name", call.path("name").asText())
              .put("arguments", call.path("args").toString());
        }
      }
      if (text != null) {
        message.put("content", text.toString());
      } else {
        message.putNull("content");
      }
      if (calls != null) {
        message.set("tool_calls", calls);
      }
    }
    JsonNode config = gemini.path("generationConfig");
    copy(config, "temperature", chat, "temperature");
    copy(config, "topP", chat, "top_p");
    copy(config, "maxOutputTokens", chat, "max_completion_tokens");
    copy(config, "stopSequences", chat, "stop");
    copy(config, "candidateCount", chat, "n");
    copy(config, "seed", chat, "seed");
    return chat;
  }

  private static void copy(JsonNode from, String name, ObjectNode to, String as) {
    if (from.has(name)) {
      to.set(as, from.get(name));
    }
  }
}
