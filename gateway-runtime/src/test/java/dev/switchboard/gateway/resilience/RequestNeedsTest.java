package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.resilience.RequestNeeds.Capability;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestNeedsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static PlannedTarget target(List<String> caps, Long context) {
    return target("openai", caps, context);
  }

  private static PlannedTarget target(String kind, List<String> caps, Long context) {
    RoutingTable.Provider p =
        new RoutingTable.Provider(
            "p",
            kind,
            null,
            false,
            null,
            Map.of(),
            null,
            null,
            null,
            null,
            Map.of("m", new RoutingTable.Model(caps, context, null, null)));
    return new PlannedTarget(new RoutingTable.Target("p", "m", 1, 0), p, PlannedTarget.STABLE);
  }

  @Test
  void detectsToolsVisionAndJsonMode() throws Exception {
    RequestNeeds needs =
        RequestNeeds.of(
            json(
                """
                {"model":"x","tools":[{"type":"function","function":{"name":"f"}}],
                 "response_format":{"type":"json_schema"},
                 "messages":[{"role":"user","content":[{"type":"text","text":"hi"},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}
                """),
            Operation.CHAT_COMPLETIONS);
    assertThat(needs.capabilities())
        .containsExactlyInAnyOrder(Capability.TOOLS, Capability.VISION, Capability.JSON);
  }

  @Test
  void plainChatNeedsNothingSpecial() throws Exception {
    RequestNeeds needs =
        RequestNeeds.of(
            json("{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
            Operation.CHAT_COMPLETIONS);
    assertThat(needs.capabilities()).isEmpty();
    assertThat(needs.mismatch(target(List.of("chat"), 8_000L))).isNull();
  }

  @Test
  void embeddingsNeedTheEmbeddingsCapability() throws Exception {
    RequestNeeds needs =
        RequestNeeds.of(json("{\"model\":\"x\",\"input\":\"abc\"}"), Operation.EMBEDDINGS);
    assertThat(needs.mismatch(target(List.of("chat"), null))).contains("lacks embeddings");
    assertThat(needs.mismatch(target(List.of("embeddings"), null))).isNull();
  }

  @Test
  void targetsWithoutDeclaredCapabilitiesAreAssumedAble() throws Exception {
    RequestNeeds needs =
        RequestNeeds.of(
            json(
                "{\"model\":\"x\",\"tools\":[{}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
            Operation.CHAT_COMPLETIONS);
    assertThat(needs.mismatch(target(List.of(), null))).isNull();
    assertThat(needs.mismatch(target(List.of("chat"), null))).contains("lacks tools");
  }

  @Test
  void contextWindowEstimateIsCharsOverFourPlusCompletionLimit() throws Exception {
    String text = "a".repeat(40_000); // ~10k tokens
    RequestNeeds needs =
        RequestNeeds.of(
            json(
                "{\"model\":\"x\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\""
                    + text
                    + "\"}]}"),
            Operation.CHAT_COMPLETIONS);
    assertThat(needs.estimatedTokens()).isEqualTo(11_000);
    assertThat(needs.mismatch(target(List.of("chat"), 8_192L))).contains("context window");
    assertThat(needs.mismatch(target(List.of("chat"), 128_000L))).isNull();
  }

  /**
   * A message of nothing but {@code file} parts cannot be sent to a target whose adapter leaves
   * them out (Mistral): it would go empty. Beside text, or to other providers, it can.
   */
  @Test
  void aMessageOfOnlyAPdfCannotBeSentToMistral() throws Exception {
    String pdf =
        "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\","
            + "\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}}";
    RequestNeeds only =
        RequestNeeds.of(
            json(
                "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"user\",\"content\":["
                    + pdf
                    + ","
                    + pdf
                    + "]}]}"),
            Operation.CHAT_COMPLETIONS);
    assertThat(only.fileOnlyMessage()).isTrue();
    assertThat(only.unsendable(target("mistral", List.of(), null)))
        .isEqualTo("p/m cannot take an inline file (PDF) part, and a message holds nothing else");
    assertThat(only.unsendable(target("openai", List.of(), null))).isNull();
    assertThat(only.unsendable(target("gemini", List.of(), null))).isNull();

    RequestNeeds withText =
        RequestNeeds.of(
            json(
                "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":["
                    + "{\"type\":\"text\",\"text\":\"read\"},"
                    + pdf
                    + "]}]}"),
            Operation.CHAT_COMPLETIONS);
    assertThat(withText.fileOnlyMessage()).isFalse();
    assertThat(withText.unsendable(target("mistral", List.of(), null))).isNull();
    // The client's own empty list is the client's: not a document the gateway would drop.
    assertThat(
            RequestNeeds.of(
                    json("{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":[]}]}"),
                    Operation.CHAT_COMPLETIONS)
                .fileOnlyMessage())
        .isFalse();
  }
}
