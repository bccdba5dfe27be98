package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.upstream.Operation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which presets serve the Responses API natively (passed through) and which are bridged through
 * chat completions; every adapter still speaks the internal formats.
 */
class ResponsesPresetTest {

  private static RoutingTable.Provider provider(ProviderKind kind) {
    return TestTables.provider(
        "p", kind.wireName(), "https://example.test/v1", true, Map.of(), null);
  }

  @Test
  void onlyOpenAiAndAzureOpenAiSpeakTheResponsesApi() {
    for (ProviderKind kind : ProviderKind.values()) {
      UpstreamAdapter adapter = UpstreamAdapters.forProvider(provider(kind));
      boolean expected = kind == ProviderKind.OPENAI || kind == ProviderKind.AZURE_OPENAI;
      assertThat(adapter.speaks(Operation.RESPONSES)).as(kind.wireName()).isEqualTo(expected);
      assertThat(kind.speaksResponses()).as(kind.wireName()).isEqualTo(expected);
      // Every adapter takes the internal formats (native ones translate them).
      assertThat(adapter.speaks(Operation.CHAT_COMPLETIONS)).as(kind.wireName()).isTrue();
      assertThat(adapter.speaks(Operation.EMBEDDINGS)).as(kind.wireName()).isTrue();
    }
  }

  @Test
  void azureServesTheResponsesApiOnItsV1PathWithoutApiVersion() {
    RoutingTable.Provider azure = provider(ProviderKind.AZURE_OPENAI);
    UpstreamAdapter adapter = UpstreamAdapters.forProvider(azure);
    assertThat(adapter.path(azure, "my-deployment", Operation.RESPONSES))
        .isEqualTo("/openai/v1/responses");
    assertThat(adapter.path(azure, "my-deployment", Operation.CHAT_COMPLETIONS))
        .startsWith("/openai/deployments/my-deployment/chat/completions?api-version=");
    RoutingTable.Provider openai = provider(ProviderKind.OPENAI);
    assertThat(UpstreamAdapters.forProvider(openai).path(openai, "gpt-4.1", Operation.RESPONSES))
        .isEqualTo("/responses");
  }

  @Test
  void aResponsesStreamEndsAtResponseCompletedWithItsUsage() {
    StreamDecoder decoder =
        UpstreamAdapters.forProvider(provider(ProviderKind.OPENAI))
            .streamDecoder(Operation.RESPONSES, true, 0);
    String delta =
        "{\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,"
            + "\"content_index\":0,\"delta\":\"hi\",\"logprobs\":[],\"sequence_number\":3}";
    StreamEventFacts facts = decoder.decode(delta, null);
    assertThat(facts.kind()).isEqualTo(StreamEventFacts.Kind.CHUNK);
    assertThat(facts.payload()).isSameAs(delta); // relayed as it arrived

    String completed =
        "{\"type\":\"response.completed\",\"sequence_number\":9,\"response\":{\"id\":\"r\","
            + "\"model\":\"gpt-4.1-2025\",\"status\":\"completed\",\"output\":[],\"usage\":{"
            + "\"input_tokens\":12,\"input_tokens_details\":{\"cached_tokens\":4},"
            + "\"output_tokens\":5,\"total_tokens\":17}}}";
    facts = decoder.decode(completed, null);
    assertThat(facts.kind()).isEqualTo(StreamEventFacts.Kind.DONE);
    assertThat(facts.model()).isEqualTo("gpt-4.1-2025");
    assertThat(facts.finishReason()).isEqualTo("stop");
    assertThat(facts.usage().inputTokens()).isEqualTo(12);
    assertThat(facts.usage().cachedInputTokens()).isEqualTo(4);
    assertThat(facts.usage().outputTokens()).isEqualTo(5);

    StreamDecoder failing =
        UpstreamAdapters.forProvider(provider(ProviderKind.OPENAI))
            .streamDecoder(Operation.RESPONSES, true, 0);
    facts =
        failing.decode(
            "{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"boom\",\"param\":null,"
                + "\"sequence_number\":4}",
            null);
    assertThat(facts.kind()).isEqualTo(StreamEventFacts.Kind.ERROR);
    assertThat(facts.errorMessage()).isEqualTo("boom");
    assertThat(facts.errorCode()).isEqualTo("server_error");
  }
}
