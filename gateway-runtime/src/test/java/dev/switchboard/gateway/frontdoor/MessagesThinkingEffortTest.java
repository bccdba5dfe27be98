package dev.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.adapter.AnthropicChatTranslation;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Messages client's {@code thinking} (and {@code output_config.effort}) becomes chat's {@code
 * reasoning_effort}, by thresholds that agree with the gateway's own chat → Messages direction, and
 * reaches only the targets that honour it; the others are sent the chat form without it and name
 * {@code thinking}, as before.
 */
class MessagesThinkingEffortTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode request(String fields) throws Exception {
    return (ObjectNode)
        JSON.readTree(
            "{\"model\":\"m\",\"max_tokens\":64000,"
                + fields
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  private static String effort(String fields) throws Exception {
    return MessagesTranslation.reasoningEffort(request(fields));
  }

  private static String budget(int tokens) {
    return "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":" + tokens + "},";
  }

  @Test
  void aBudgetIsTheEffortWhoseLeastBudgetItReaches() throws Exception {
    assertThat(effort(budget(1024))).isEqualTo("low");
    assertThat(effort(budget(4000))).isEqualTo("low"); // Claude Code's "think"
    assertThat(effort(budget(8191))).isEqualTo("low");
    assertThat(effort(budget(8192))).isEqualTo("medium");
    assertThat(effort(budget(10_000))).isEqualTo("medium"); // "think hard"
    assertThat(effort(budget(24_575))).isEqualTo("medium");
    assertThat(effort(budget(24_576))).isEqualTo("high");
    assertThat(effort(budget(31_999))).isEqualTo("high"); // "ultrathink"
  }

  /**
   * Both directions agree: the budget the Anthropic adapter asks a Claude model for an effort comes
   * back as that effort (xhigh is high there too).
   */
  @Test
  void anEffortRoundTripsThroughTheAdaptersBudget() throws Exception {
    for (String asked : List.of("minimal", "low", "medium", "high", "xhigh")) {
      ObjectNode chat =
          (ObjectNode)
              JSON.readTree(
                  "{\"model\":\"m\",\"reasoning_effort\":\""
                      + asked
                      + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      int sent =
          AnthropicChatTranslation.toMessagesRequest(chat, "claude-sonnet-4-5")
              .at("/thinking/budget_tokens")
              .asInt();
      String back = effort(budget(sent));
      String expected =
          switch (asked) {
            case "minimal" -> "low";
            case "xhigh" -> "high";
            default -> asked;
          };
      assertThat(back).as(asked + " → " + sent).isEqualTo(expected);
    }
  }

  @Test
  void adaptiveIsMediumUnlessTheClientNamesAnEffort() throws Exception {
    assertThat(effort("\"thinking\":{\"type\":\"adaptive\"},")).isEqualTo("medium");
    assertThat(
            effort("\"thinking\":{\"type\":\"adaptive\"},\"output_config\":{\"effort\":\"low\"},"))
        .isEqualTo("low");
    assertThat(
            effort("\"thinking\":{\"type\":\"adaptive\"},\"output_config\":{\"effort\":\"max\"},"))
        .isEqualTo("high");
    assertThat(
            effort(
                "\"thinking\":{\"type\":\"adaptive\"},\"output_config\":{\"effort\":\"xhigh\"},"))
        .isEqualTo("high");
    // Beside a budget, the effort the client named wins: it is what reasoning_effort means.
    assertThat(effort(budget(31_999) + "\"output_config\":{\"effort\":\"medium\"},"))
        .isEqualTo("medium");
  }

  @Test
  void noThinkingAskedIsNoEffort() throws Exception {
    assertThat(effort("")).isNull();
    assertThat(effort("\"thinking\":{\"type\":\"disabled\"},")).isNull();
    // An effort without thinking asks how much to spend, not to think: left out, as before.
    assertThat(effort("\"output_config\":{\"effort\":\"high\"},")).isNull();
  }

  @Test
  void theChatFormCarriesTheEffortOnlyInItsFormForTargetsThatHonourIt() throws Exception {
    ChatForm form =
        MessagesTranslation.toChatForm(
            request(budget(10_000) + "\"output_config\":{\"effort\":\"high\"},\"top_k\":5,"));

    // What every other reader of the request sees is as it was: no effort, thinking named.
    assertThat(form.chat().has("reasoning_effort")).isFalse();
    assertThat(form.leftOut()).containsExactly("thinking", "top_k", "output_config.effort");
    assertThat(form.withEffort().chat().path("reasoning_effort").asText()).isEqualTo("high");
    assertThat(form.withEffort().chat().path("max_tokens").asInt()).isEqualTo(64000);
    assertThat(form.withEffort().leftOut()).containsExactly("top_k");

    assertThat(MessagesTranslation.toChatForm(request("")).withEffort()).isNull();
    assertThat(
            MessagesTranslation.toChatForm(request("\"thinking\":{\"type\":\"disabled\"},"))
                .withEffort())
        .isNull();
  }

  @Test
  void onlyATargetThatHonoursTheEffortGetsIt() throws Exception {
    ChatForm form = MessagesTranslation.toChatForm(request(budget(2048)));

    assertThat(sentTo(form, "gemini", "gemini-2.5-flash", List.of())).isSameAs(form.withEffort());
    assertThat(sentTo(form, "anthropic", "claude-sonnet-4-5", List.of()))
        .isSameAs(form.withEffort());
    for (String kind : List.of("openai", "azure-openai", "openai-compatible")) {
      assertThat(sentTo(form, kind, "o4-mini", List.of("chat", "reasoning")))
          .as(kind)
          .isSameAs(form.withEffort());
      // A model that does not say it reasons may refuse the field (gpt-4o answers a 400).
      assertThat(sentTo(form, kind, "gpt-4o", List.of("chat", "tools"))).as(kind).isSameAs(form);
      assertThat(sentTo(form, kind, "unlisted", null)).as(kind).isSameAs(form);
    }
    for (String kind : List.of("mistral", "deepseek", "qwen")) {
      assertThat(sentTo(form, kind, "reasoner", List.of("chat", "reasoning")))
          .as(kind)
          .isSameAs(form);
    }
    // A form without an effort is the one every target gets.
    ChatForm plain = MessagesTranslation.toChatForm(request(""));
    assertThat(sentTo(plain, "gemini", "gemini-2.5-flash", List.of())).isSameAs(plain);
  }

  /** The form an attempt on a {@code kind} provider's {@code model} is sent. */
  private static ChatForm sentTo(
      ChatForm form, String kind, String model, List<String> capabilities) {
    Map<String, RoutingTable.Model> models =
        capabilities == null
            ? Map.of()
            : Map.of(model, new RoutingTable.Model(capabilities, null, null, null));
    RoutingTable.Provider provider =
        TestTables.provider("p", kind, "http://127.0.0.1:1", true, models, null);
    PlannedTarget target = new PlannedTarget(TestTables.target("p", model, 0), provider, "stable");
    UpstreamAdapter adapter = UpstreamAdapters.forProvider(provider);
    return form.forTarget(adapter, target);
  }

  @Test
  void aGeminiTargetThatDoesNotThinkNamesTheClientsThinking() {
    assertThat(MessagesTranslation.clientParam("reasoning_effort")).isEqualTo("thinking");
  }
}
