package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamRequestsTest {

  private static RoutingTable.Provider provider(
      String kind, String baseUrl, String apiVersion, Map<String, String> headers) {
    return new RoutingTable.Provider(
        "p", kind, baseUrl, true, apiVersion, headers, null, null, null, null, Map.of());
  }

  @Test
  void openAiShapedProvidersAppendTheOperationPath() {
    RoutingTable.Provider p = provider("mistral", "https://api.mistral.ai/v1/", null, Map.of());
    assertThat(UpstreamRequests.url(p, "mistral-large", Operation.CHAT_COMPLETIONS))
        .isEqualTo("https://api.mistral.ai/v1/chat/completions");
    assertThat(UpstreamRequests.url(p, "mistral-embed", Operation.EMBEDDINGS))
        .isEqualTo("https://api.mistral.ai/v1/embeddings");
  }

  @Test
  void missingBaseUrlFallsBackToThePreset() {
    RoutingTable.Provider p = provider("deepseek", null, null, Map.of());
    assertThat(UpstreamRequests.url(p, "deepseek-chat", Operation.CHAT_COMPLETIONS))
        .isEqualTo("https://api.deepseek.com/v1/chat/completions");
  }

  @Test
  void azureUsesDeploymentPathApiVersionAndApiKeyHeader() {
    RoutingTable.Provider p =
        provider("azure-openai", "https://acme.openai.azure.com", null, Map.of());
    assertThat(UpstreamRequests.url(p, "gpt 4o", Operation.CHAT_COMPLETIONS))
        .isEqualTo(
            "https://acme.openai.azure.com/openai/deployments/gpt%204o/chat/completions"
                + "?api-version=2024-10-21");
    RoutingTable.Provider pinned =
        provider("azure-openai", "https://acme.openai.azure.com", "2025-01-01-preview", Map.of());
    assertThat(UpstreamRequests.url(pinned, "gpt-4o", Operation.EMBEDDINGS))
        .endsWith("/openai/deployments/gpt-4o/embeddings?api-version=2025-01-01-preview");

    MultiMap headers = HttpHeaders.headers();
    UpstreamRequests.headers(p, Optional.of("azure-key"), "rid", false, headers);
    assertThat(headers.get("api-key")).isEqualTo("azure-key");
    assertThat(headers.contains("Authorization")).isFalse();
  }

  @Test
  void bearerKeyStaticHeadersAndRequestIdButStaticHeadersCannotOverrideAuth() {
    RoutingTable.Provider p =
        provider(
            "openai",
            "https://api.openai.com/v1",
            null,
            Map.of("OpenAI-Organization", "org-1", "Authorization", "Bearer smuggled"));
    MultiMap headers = HttpHeaders.headers();
    UpstreamRequests.headers(p, Optional.of("sk-real"), "req-9", true, headers);
    assertThat(headers.get("Authorization")).isEqualTo("Bearer sk-real");
    assertThat(headers.get("OpenAI-Organization")).isEqualTo("org-1");
    assertThat(headers.get("x-request-id")).isEqualTo("req-9");
    assertThat(headers.get("Accept")).isEqualTo("text/event-stream");
  }

  @Test
  void keylessProvidersSendNoCredentials() {
    RoutingTable.Provider p = provider("openai-compatible", "http://vllm:8000/v1", null, Map.of());
    MultiMap headers = HttpHeaders.headers();
    UpstreamRequests.headers(p, Optional.empty(), "r", false, headers);
    assertThat(headers.contains("Authorization")).isFalse();
    assertThat(headers.contains("api-key")).isFalse();
  }

  private static RoutingTable.Provider withKeyHeader(
      String kind, String baseUrl, RoutingTable.ApiKeyHeader keyHeader) {
    return new RoutingTable.Provider(
        "p", kind, baseUrl, true, null, Map.of(), null, null, null, null, null, Map.of(), null,
        null, keyHeader);
  }

  /**
   * Behind an API gateway the key goes in the header it names, for every preset, and the preset's
   * own key header is not sent at all (Azure API Management would pass an {@code api-key} on).
   */
  @Test
  void aProvidersOwnKeyHeaderReplacesThePresetsHeader() {
    RoutingTable.ApiKeyHeader apim =
        new RoutingTable.ApiKeyHeader("Ocp-Apim-Subscription-Key", null);
    for (String kind :
        java.util.List.of("openai", "azure-openai", "anthropic", "gemini", "openai-compatible")) {
      MultiMap headers = HttpHeaders.headers();
      UpstreamRequests.headers(
          withKeyHeader(kind, "https://contoso.azure-api.net/ai", apim),
          Optional.of("sub-key-1"),
          "rid",
          false,
          headers);
      assertThat(headers.get("ocp-apim-subscription-key")).as(kind).isEqualTo("sub-key-1");
      assertThat(headers.names())
          .as(kind)
          .doesNotContain("Authorization", "api-key", "x-api-key", "x-goog-api-key");
    }
  }

  @Test
  void aKeyHeadersPrefixGoesBeforeTheKey() {
    MultiMap headers = HttpHeaders.headers();
    UpstreamRequests.headers(
        withKeyHeader(
            "anthropic",
            "https://gw.example/anthropic",
            new RoutingTable.ApiKeyHeader("Authorization", "Bearer ")),
        Optional.of("sk-ant-1"),
        "rid",
        false,
        headers);
    assertThat(headers.get("Authorization")).isEqualTo("Bearer sk-ant-1");
    assertThat(headers.contains("x-api-key")).isFalse();
  }
}
