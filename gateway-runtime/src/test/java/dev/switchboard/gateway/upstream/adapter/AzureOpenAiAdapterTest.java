package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Azure OpenAI adapter: deployment paths, its key header, and its recorded answers. */
class AzureOpenAiAdapterTest {

  private static final RoutingTable.Provider AZURE =
      TestTables.provider(
          "azure", "azure-openai", "https://contoso.openai.azure.com", true, Map.of(), null);

  private final UpstreamAdapter adapter = UpstreamAdapters.forProvider(AZURE);

  @Test
  void isChosenForAzureProvidersOnly() {
    assertThat(adapter).isInstanceOf(AzureOpenAiAdapter.class);
    assertThat(
            UpstreamAdapters.forProvider(
                TestTables.provider(
                    "m", "mistral", "https://api.mistral.ai/v1", true, Map.of(), null)))
        .isExactlyInstanceOf(OpenAiAdapter.class);
  }

  @Test
  void addressesTheDeploymentWithTheApiVersionAndSendsTheKeyAsApiKey() {
    assertThat(adapter.path(AZURE, "gpt 4o", Operation.CHAT_COMPLETIONS))
        .isEqualTo(
            "/openai/deployments/gpt%204o/chat/completions?api-version="
                + dev.switchboard.contract.ProviderKind.DEFAULT_AZURE_API_VERSION);
    assertThat(adapter.probePath(AZURE)).startsWith("/openai/models?api-version=");
    MultiMap headers = HttpHeaders.headers();
    adapter.headers(AZURE, Optional.of("azure-key"), "rid", true, headers);
    assertThat(headers.get("api-key")).isEqualTo("azure-key");
    assertThat(headers.get("Authorization")).isNull();
    assertThat(headers.get("Accept")).isEqualTo("text/event-stream");
  }

  @Test
  void theV1ApiVersionsAddressTheV1SurfaceAndItsModelsList() {
    for (String version : List.of("v1", "preview")) {
      RoutingTable.Provider v1 =
          new RoutingTable.Provider(
              "azure",
              "azure-openai",
              "https://contoso.openai.azure.com",
              true,
              version,
              Map.of(),
              null,
              null,
              null,
              null,
              Map.of());
      String query = "preview".equals(version) ? "?api-version=preview" : "";
      assertThat(adapter.path(v1, "gpt 4o", Operation.CHAT_COMPLETIONS))
          .isEqualTo("/openai/v1/chat/completions" + query);
      assertThat(adapter.path(v1, "gpt 4o", Operation.EMBEDDINGS))
          .isEqualTo("/openai/v1/embeddings" + query);
      assertThat(adapter.probePath(v1)).isEqualTo("/openai/v1/models" + query);
    }
  }

  @Test
  void readsTheFactsOfARecordedAnswerWithCachedTokens() throws Exception {
    ReplySummary facts =
        adapter.decodeReply(
            WireSamples.text("azure-chat-completion.json").getBytes(StandardCharsets.UTF_8),
            Operation.CHAT_COMPLETIONS);

    assertThat(facts)
        .isEqualTo(
            new ReplySummary(
                "gpt-4o-2024-11-20",
                "fp_b705f0c291",
                "stop",
                false,
                new TokenUsage(2100, 8, 1920)));
  }

  @Test
  void theFilterResultsEventIsRelayedButNamesNoModel() {
    List<String> events = WireSamples.events("azure-chat-stream.sse");
    StreamDecoder decoder = adapter.streamDecoder(Operation.CHAT_COMPLETIONS, true, 0);
    List<StreamEventFacts.Kind> kinds = new ArrayList<>();
    List<String> models = new ArrayList<>();
    TokenUsage usage = null;
    for (String data : events) {
      StreamEventFacts f = decoder.decode(data, null);
      kinds.add(f.kind());
      models.add(f.model());
      usage = f.usage() != null ? f.usage() : usage;
    }

    assertThat(kinds)
        .containsExactly(
            StreamEventFacts.Kind.CHUNK,
            StreamEventFacts.Kind.CHUNK,
            StreamEventFacts.Kind.CHUNK,
            StreamEventFacts.Kind.CHUNK,
            StreamEventFacts.Kind.DROP,
            StreamEventFacts.Kind.DONE);
    // Azure's first event says model "": not a version. The finish chunk names the real one.
    assertThat(models.get(0)).isNull();
    assertThat(models.get(3)).isEqualTo("gpt-4o-2024-11-20");
    assertThat(usage).isEqualTo(new TokenUsage(20, 1, 0));
  }
}
