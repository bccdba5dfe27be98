package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.security.KeyScrubber;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #13, finding 1: a provider that echoes the {@code Authorization} header the gateway sent
 * (mock fault {@code echo-auth}) must not get the provider key to the client — not in a passed-on
 * 4xx, not in a mid-stream error event, not in a 200 answer.
 */
class KeyScrubbingIT {

  private static final String KEY = "sk-proj-Zx9QrT7mWv2LpK8sNb4YhGc6JdF1eAu3";
  private static final String KEY_PREFIX = KEY.substring(0, KeyScrubber.MIN_KEY_CHARS + 4);

  @TempDir static Path dir;
  static MockProvider mock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir, new MockProviderOptions().keys(KEY), KeyScrubbingIT::table, Map.of("echo", KEY));
    mock = gateway.mock();
  }

  /** One route on provider {@code echo}, tried once. */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    RoutingTable table =
        TestTables.table(
            List.of(provider("echo", mock.baseUrl(), timeouts, null, null, null, Map.of())),
            List.of(
                policy("once", 1, 100, 0.2, 5, null, List.of()),
                TestTables.cachePolicy(
                    "cached",
                    new RoutingTable.Cache(
                        true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null))),
            List.of(
                policyRoute("chat", "once", target("echo", "e-1", 0)),
                policyRoute("cached", "cached", target("echo", "e-2", 0))));
    return table;
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 404, 422})
  void aPassedOnRejectionLosesTheKey(int status) throws Exception {
    mock.faults().set("*", "status:" + status + ",echo-auth");

    HttpResponse<String> r = post(false);

    assertThat(r.statusCode()).isEqualTo(status);
    assertNoKey(r);
    // The provider's own message is still passed on, with the key replaced.
    assertThat(GatewayHarness.json(r.body()).path("error").path("message").asText())
        .contains("Authorization: Bearer " + KeyScrubber.MARKER);
  }

  @Test
  void aMidStreamErrorEventLosesTheKey() throws Exception {
    mock.faults().set("*", "stream-error:2,echo-auth");

    HttpResponse<String> r = post(true);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"error\"").contains(KeyScrubber.MARKER);
    assertNoKey(r);
  }

  @Test
  void aSuccessfulAnswerThatEchoesTheKeyLosesIt() throws Exception {
    mock.faults().set("*", "echo-auth");

    HttpResponse<String> r = post(false);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(
            GatewayHarness.json(r.body())
                .path("choices")
                .path(0)
                .path("message")
                .path("content")
                .asText())
        .isEqualTo("You called me with Authorization: Bearer " + KeyScrubber.MARKER);
    assertNoKey(r);
  }

  /**
   * An answer that echoes the key is stored in the response cache as the client got it, scrubbed: a
   * hit never brings the key back.
   */
  @Test
  void aCachedAnswerThatEchoedTheKeyIsStoredWithoutIt() throws Exception {
    mock.faults().set("*", "echo-auth");
    String body =
        "{\"model\":\"cached\",\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Who called?\"}]}";

    HttpResponse<String> first = gateway.post("/v1/chat/completions", body);
    HttpResponse<String> second = gateway.post("/v1/chat/completions", body);

    assertThat(first.headers().firstValue("x-switchboard-cache")).contains("miss");
    assertThat(second.headers().firstValue("x-switchboard-cache")).contains("hit");
    assertThat(second.body()).contains(KeyScrubber.MARKER);
    assertNoKey(first);
    assertNoKey(second);
    assertThat(
            GatewayHarness.json(second.body())
                .path("choices")
                .path(0)
                .path("message")
                .path("content")
                .asText())
        .isEqualTo("You called me with Authorization: Bearer " + KeyScrubber.MARKER);
  }

  private static void assertNoKey(HttpResponse<String> r) {
    assertThat(r.body()).doesNotContain(KEY).doesNotContain(KEY_PREFIX);
    r.headers()
        .map()
        .forEach(
            (name, values) ->
                values.forEach(v -> assertThat(v).as(name).doesNotContain(KEY_PREFIX)));
  }

  private static HttpResponse<String> post(boolean stream) throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", stream));
  }
}
