package dev.switchboard.gateway.upstream;

import static dev.switchboard.gateway.GatewayHarness.chat;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider behind an API gateway (Azure API Management here) that takes the key only in its own
 * header, {@code Ocp-Apim-Subscription-Key}: with {@code apiKeyHeader} the key arrives there, for
 * an OpenAI-shaped and an Anthropic target alike, and the preset's header ({@code Authorization},
 * {@code x-api-key}) is not sent; without it the front refuses every call.
 */
class ApiKeyHeaderIT {

  private static final String APIM = "Ocp-Apim-Subscription-Key";
  private static final String KEY = "apim-subscription-key-0123456789";

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys(KEY).keyHeader(APIM),
            ApiKeyHeaderIT::table,
            Map.of("apim", KEY, "apim-claude", KEY, "preset-header", KEY));
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.ApiKeyHeader apim = new RoutingTable.ApiKeyHeader(APIM, null);
    return TestTables.table(
        List.of(
            provider("apim", "openai-compatible", mock.baseUrl(), apim),
            provider("apim-claude", "anthropic", mock.baseUrl(), apim),
            provider("preset-header", "openai-compatible", mock.baseUrl(), null)),
        List.of(
            route("via-apim", List.of(), target("apim", "gpt-4o-mini", 0)),
            route("claude-via-apim", List.of(), target("apim-claude", "claude-sonnet-4", 0)),
            route("preset", List.of(), target("preset-header", "gpt-4o-mini", 0))));
  }

  private static RoutingTable.Provider provider(
      String name, String kind, String baseUrl, RoutingTable.ApiKeyHeader keyHeader) {
    return new RoutingTable.Provider(
        name, kind, baseUrl, true, null, Map.of(), null, null, null, null, null, Map.of(), null,
        null, keyHeader);
  }

  @Test
  void theKeyGoesInTheApiGatewaysHeaderAndThePresetsHeaderIsNotSent() throws Exception {
    for (boolean stream : List.of(false, true)) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", chat("via-apim", stream));

      assertThat(response.statusCode()).as("stream=%s", stream).isEqualTo(200);
      RequestRecord seen = last();
      assertThat(seen.keyAccepted()).isTrue();
      assertThat(seen.keyFingerprint()).isEqualTo(RequestRecord.fingerprint(KEY));
      assertThat(seen.headers()).doesNotContainKey("authorization");
      assertThat(response.body()).doesNotContain(KEY);
      assertThat(response.headers().map().toString()).doesNotContain(KEY);
    }
  }

  @Test
  void anAnthropicTargetSendsItThereInsteadOfXApiKey() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", chat("claude-via-apim", false));

    assertThat(response.statusCode()).isEqualTo(200);
    RequestRecord seen = last();
    assertThat(seen.path()).endsWith("/messages");
    assertThat(seen.keyAccepted()).isTrue();
    assertThat(seen.headers()).doesNotContainKey("x-api-key");
    assertThat(seen.header("anthropic-version")).isNotNull();
  }

  /** The premise: the same key in the preset's header is refused by such a front. */
  @Test
  void withoutItTheFrontRefusesTheKey() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("preset", false));

    assertThat(response.statusCode()).isNotEqualTo(200);
    RequestRecord seen = last();
    assertThat(seen.keyAccepted()).isFalse();
    assertThat(seen.header("authorization")).isEqualTo(RequestRecord.REDACTED);
    assertThat(response.body()).doesNotContain(KEY);
  }

  /** The last call the gateway relayed (health probes, which GET, may come in between). */
  private static RequestRecord last() {
    List<RequestRecord> relayed =
        mock.requests().stream().filter(r -> r.method().equals("POST")).toList();
    return relayed.get(relayed.size() - 1);
  }
}
