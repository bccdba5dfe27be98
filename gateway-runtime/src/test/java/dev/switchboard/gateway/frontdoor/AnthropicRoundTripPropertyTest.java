package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.upstream.adapter.AnthropicChatTranslation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * chat → Anthropic → chat keeps every field both formats can express: the system prompt, every
 * turn's text, tool calls (ids, names, arguments as JSON), tool results, tools with their schemas,
 * {@code tool_choice}, {@code parallel_tool_calls: false}, {@code max_tokens}, {@code temperature},
 * {@code top_p}, {@code stop}, {@code user} and {@code stream}. Requests are generated in the
 * canonical chat form (turns alternate, user content is a string, {@code stop} is a list).
 */
class AnthropicRoundTripPropertyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Comparator<JsonNode> BY_VALUE =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  @Property(tries = 300)
  void chatToAnthropicToChatKeepsWhatBothExpress(@ForAll("chatRequests") ObjectNode chat) {
    ObjectNode anthropic = AnthropicChatTranslation.toMessagesRequest(chat, "claude-x");
    ObjectNode back = MessagesTranslation.toChatRequest(anthropic);

    ObjectNode expected = normalize(chat.deepCopy());
    ObjectNode actual = normalize(back);
    actual.remove("model");
    expected.remove("model");
    assertThat(actual.equals(BY_VALUE, expected))
        .as("original%n  %s%nvia Anthropic%n  %s%nback%n  %s", chat, anthropic, back)
        .isTrue();
  }

  /**
   * Forms both sides may spell differently: tool arguments compared as JSON, the usage request a
   * stream gets back, the tool_choice Anthropic needs to carry {@code disable_parallel_tool_use}.
   */
  private static ObjectNode normalize(ObjectNode chat) {
    for (JsonNode message : chat.path("messages")) {
      for (JsonNode call : message.path("tool_calls")) {
        ObjectNode function = (ObjectNode) call.get("function");
        try {
          function.set("arguments", JSON.readTree(function.get("arguments").asText()));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }
    chat.remove("stream_options");
    if (chat.path("parallel_tool_calls").isBoolean()
        && !chat.get("parallel_tool_calls").asBoolean()
        && !chat.has("tool_choice")) {
      chat.put("tool_choice", "auto");
    }
    return chat;
  }

  @Provide
  Arbitrary<ObjectNode> chatRequests() {
    Arbitrary<String> text = Arbitraries.strings().ofMinLength(1).ofMaxLength(12).alpha().numeric();
    Arbitrary<List<ObjectNode>> tools =
        Arbitraries.integers()
            .between(0, 3)
            .map(
                n -> {
                  List<ObjectNode> out = new ArrayList<>();
                  for (int i = 0; i < n; i++) {
                    ObjectNode tool = JSON.createObjectNode().put("type", "function");
                    ObjectNode f = tool.putObject("function").put("name", "tool_" + i);
                    if (i % 2 == 0) {
                      f.put("description", "Tool number " + i);
                    }
                    ObjectNode schema = f.putObject("parameters").put("type", "object");
                    schema.putObject("properties").putObject("arg" + i).put("type", "string");
                    out.add(tool);
                  }
                  return out;
                });
    Arbitrary<List<ObjectNode>> turns =
        Combinators.combine(
                Arbitraries.integers().between(1, 4),
                text.list().ofSize(8),
                Arbitraries.integers().between(0, 2).list().ofSize(4))
            .as(AnthropicRoundTripPropertyTest::conversation);
    return Combinators.combine(
            turns,
            tools,
            Arbitraries.of("", "auto", "none", "required", "named"),
            Arbitraries.integers().between(1, 8192).injectNull(0.2),
            Arbitraries.doubles().between(0, 1).ofScale(2).injectNull(0.5),
            Arbitraries.doubles().between(0, 1).ofScale(2).injectNull(0.5),
            text.list().ofMaxSize(3),
            Arbitraries.of(true, false))
        .as(
            (messages, toolList, choice, max, temperature, topP, stops, stream) -> {
              ObjectNode chat = JSON.createObjectNode().put("model", "route");
              ArrayNode list = chat.putArray("messages");
              messages.forEach(list::add);
              if (!toolList.isEmpty()) {
                toolList.forEach(chat.putArray("tools")::add);
                switch (choice) {
                  case "" -> {}
                  case "named" ->
                      chat.putObject("tool_choice")
                          .put("type", "function")
                          .putObject("function")
                          .put("name", "tool_0");
                  default -> chat.put("tool_choice", choice);
                }
                if (max != null && max % 3 == 0 && !"none".equals(choice)) {
                  chat.put("parallel_tool_calls", false);
                }
              }
              chat.put(
                  "max_tokens", max == null ? AnthropicChatTranslation.DEFAULT_MAX_TOKENS : max);
              if (temperature != null) {
                chat.put("temperature", temperature);
              }
              if (topP != null) {
                chat.put("top_p", topP);
              }
              if (!stops.isEmpty()) {
                stops.forEach(chat.putArray("stop")::add);
              }
              if (stream) {
                chat.put("stream", true);
              }
              if (max != null && max % 2 == 0) {
                chat.put("user", "user-" + max);
              }
              return chat;
            });
  }

  /**
   * An optional system prompt, then {@code rounds} of a user turn and an assistant answer — text,
   * or tool calls followed by their results (the results precede the next user turn).
   */
  private static List<ObjectNode> conversation(
      int rounds, List<String> words, List<Integer> kinds) {
    List<ObjectNode> out = new ArrayList<>();
    if (kinds.get(0) == 2) {
      out.add(JSON.createObjectNode().put("role", "system").put("content", words.get(7)));
    }
    for (int r = 0; r < rounds; r++) {
      out.add(JSON.createObjectNode().put("role", "user").put("content", words.get(r)));
      if (r == rounds - 1) {
        break; // the request ends with the user's turn
      }
      int kind = kinds.get(r);
      ObjectNode assistant = JSON.createObjectNode().put("role", "assistant");
      if (kind == 0) {
        assistant.put("content", words.get(r + 4));
        out.add(assistant);
        continue;
      }
      if (kind == 2) {
        assistant.put("content", words.get(r + 4));
      } else {
        assistant.putNull("content");
      }
      ArrayNode calls = assistant.putArray("tool_calls");
      int n = 1 + (r % 2);
      for (int i = 0; i < n; i++) {
        ObjectNode call =
            calls.addObject().put("id", "call_" + r + "_" + i).put("type", "function");
        call.putObject("function")
            .put("name", "tool_" + i)
            .put("arguments", "{\"arg" + i + "\":\"" + words.get(i) + "\"}");
      }
      out.add(assistant);
      for (int i = 0; i < n; i++) {
        out.add(
            JSON.createObjectNode()
                .put("role", "tool")
                .put("tool_call_id", "call_" + r + "_" + i)
                .put("content", "result " + words.get(i + 2)));
      }
    }
    return out;
  }
}
