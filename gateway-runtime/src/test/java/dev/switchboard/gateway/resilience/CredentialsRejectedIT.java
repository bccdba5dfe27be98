package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
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
 * A provider that rejects the gateway's key (401/403) is a configuration error of that provider
 * only: the request fails over to another provider without retrying the rejected one or its other
 * targets (same key), the rejection is exported for the operator ({@code
 * switchboard_provider_credentials_rejected}, {@code /admin/config}) until a call succeeds or the
 * key changes, and without another provider the client gets an OpenAI-shaped 502 without key
 * material.
 */
class CredentialsRejectedIT {

  private static final String WRONG_KEY = "sk-wrong-secret-123";

  @TempDir static Path dir;
  static MockProvider alphaMock;
  static MockProvider betaMock;
  static MockProvider lockedMock;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(
                new MockProviderOptions().keys("sk-a"),
                new MockProviderOptions().keys("sk-b"),
                new MockProviderOptions().keys("sk-right")),
            (vertx, mocks) -> table(mocks.get(0), mocks.get(1), mocks.get(2)),
            Map.of("alpha", "sk-a", "beta", "sk-b", "locked", WRONG_KEY));
    alphaMock = gateway.mock(0);
    betaMock = gateway.mock(1);
    lockedMock = gateway.mock(2);
  }

  /** Providers alpha, beta and locked, one on each mock; routes chat, alpha-only, locked-only. */
  static RoutingTable table(
      MockProvider alphaMock, MockProvider betaMock, MockProvider lockedMock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 5_000L, 20, 10_000L, 300L);
    return TestTables.table(
        List.of(
            provider("alpha", alphaMock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("beta", betaMock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("locked", lockedMock.baseUrl(), timeouts, null, null, null, Map.of())),
        // maxAttempts 3: even a policy that retries the same target must not retry a 401.
        List.of(policy("failover", 3, 200, 0.2, 5, breaker, List.of())),
        List.of(
            policyRoute(
                "chat",
                "failover",
                target("alpha", "a-1", 0),
                target("alpha", "a-2", 1),
                target("beta", "b-1", 2)),
            policyRoute("alpha-only", "failover", target("alpha", "a-1", 0)),
            policyRoute("locked-only", "failover", target("locked", "l-1", 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() throws Exception {
    alphaMock.reset();
    betaMock.reset();
    lockedMock.reset();
    // A previous test may have left alpha marked: one good call clears it.
    assertThat(post("alpha-only", false).statusCode()).isEqualTo(200);
    alphaMock.reset();
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void rejectedCredentialsFailOverToAnotherProviderWithOneAttempt(int status) throws Exception {
    alphaMock.faults().set("*", "status:" + status);

    HttpResponse<String> r = post("chat", false);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("beta");
    // Exactly one attempt on alpha: no same-target retry, and a-2 (same key) is skipped.
    assertThat(alphaMock.totalAttempts()).isEqualTo(1);
    assertThat(betaMock.attempts("b-1")).isEqualTo(1);
    assertThat(credentialsRejectedMetric("alpha")).isEqualTo("1.0");
    assertThat(credentialsRejectedMetric("beta")).isEqualTo("0.0");
    assertThat(
            GatewayHarness.json(gateway.admin("/admin/config").body())
                .path("resilience")
                .path("providers")
                .path("alpha")
                .path("credentialsRejected")
                .asBoolean())
        .isTrue();
  }

  @Test
  void streamsFailOverOnRejectedCredentialsToo() throws Exception {
    alphaMock.faults().set("*", "status:401");

    HttpResponse<String> r = post("chat", true);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("beta");
    assertThat(r.body()).contains("data: [DONE]").doesNotContain("\"error\"");
    assertThat(alphaMock.totalAttempts()).isEqualTo(1);
  }

  @Test
  void aSuccessfulCallClearsTheRejection() throws Exception {
    alphaMock.faults().set("*", "status:401");
    assertThat(post("chat", false).statusCode()).isEqualTo(200);
    assertThat(credentialsRejectedMetric("alpha")).isEqualTo("1.0");

    alphaMock.faults().clearAll();
    assertThat(post("alpha-only", false).statusCode()).isEqualTo(200);

    assertThat(credentialsRejectedMetric("alpha")).isEqualTo("0.0");
  }

  @Test
  void withoutAnotherProviderTheClientGetsAnOpenAiErrorWithoutKeyMaterial() throws Exception {
    HttpResponse<String> r = post("locked-only", false);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    assertThat(GatewayHarness.json(r.body()).path("error").path("code").asText())
        .isEqualTo("upstream_auth_failed");
    assertThat(GatewayHarness.json(r.body()).path("error").path("message").asText())
        .contains("rejected the gateway's credentials");
    assertThat(r.body()).doesNotContain(WRONG_KEY).doesNotContain("sk-right");
    assertThat(lockedMock.attempts("l-1")).isEqualTo(1);
    // The key stays wrong until the configuration changes: SDKs are told not to retry the 502.
    assertThat(r.headers().allValues("x-should-retry")).containsExactly("false");
  }

  @Test
  void aNewKeyClearsTheRejectionWithoutAnyCall() throws Exception {
    assertThat(post("locked-only", false).statusCode()).isEqualTo(502);
    assertThat(credentialsRejectedMetric("locked")).isEqualTo("1.0");

    gateway.writeKey("locked", "sk-right");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> credentialsRejectedMetric("locked").equals("0.0"));
    assertThat(lockedMock.totalAttempts()).isEqualTo(1);
    assertThat(post("locked-only", false).statusCode()).isEqualTo(200);

    // Back to the wrong key for the other tests, once the gateway has reloaded it.
    gateway.writeKey("locked", WRONG_KEY);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> post("locked-only", false).statusCode() == 502);
  }

  private static HttpResponse<String> post(String route, boolean stream) throws Exception {
    return gateway.post("/v1/chat/completions", GatewayHarness.chat(route, stream));
  }

  /** The value of {@code switchboard_provider_credentials_rejected{provider}} on /metrics. */
  private static String credentialsRejectedMetric(String provider) throws Exception {
    String prefix = "switchboard_provider_credentials_rejected{provider=\"" + provider + "\"} ";
    return gateway
        .admin("/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()).strip())
        .findFirst()
        .orElse("absent");
  }
}
