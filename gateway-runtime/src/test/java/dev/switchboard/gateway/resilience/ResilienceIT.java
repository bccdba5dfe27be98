package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.http.ErrorMapping;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protections one by one, end to end through a gateway against loopback mock providers: circuit
 * breaker opens and recovers, health checks remove and restore a provider, the bulkhead and client
 * rate limits answer as specified under concurrency, Retry-After is honoured, capability parity
 * holds, a rejected gateway key is reported as a configuration error, and the client's deadline
 * header bounds the request.
 */
class ResilienceIT {

  @TempDir static Path dir;
  static MockProvider mock;
  static MockProvider healthMock;
  static GatewayHarness gateway;
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(new MockProviderOptions().keys("sk-m"), new MockProviderOptions().keys("sk-h")),
            (vertx, mocks) -> table(mocks.get(0), mocks.get(1)),
            Map.of(
                "good",
                "sk-m",
                "brk",
                "sk-m",
                "narrow",
                "sk-m",
                "ra",
                "sk-m",
                "capable",
                "sk-m",
                "basic",
                "sk-m",
                "wrongkey",
                "sk-wrong-secret",
                "hc",
                "sk-h",
                "quota",
                "sk-m",
                "patient",
                "sk-m"));
    mock = gateway.mock(0);
    healthMock = gateway.mock(1);
  }

  /** A provider per protection, all on {@code mock} but {@code hc} on {@code healthMock}. */
  static RoutingTable table(MockProvider mock, MockProvider healthMock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 5_000L, 4, 10_000L, 300L);
    RoutingTable.Model vision =
        new RoutingTable.Model(List.of("chat", "vision"), 128_000L, null, null);
    RoutingTable.Model text = new RoutingTable.Model(List.of("chat"), 8_000L, null, null);
    return TestTables.table(
        List.of(
            provider("good", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("brk", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider("narrow", mock.baseUrl(), timeouts, 2, null, null, Map.of()),
            provider("ra", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider(
                "capable",
                mock.baseUrl(),
                timeouts,
                null,
                null,
                null,
                Map.of("vision-model", vision)),
            provider(
                "basic", mock.baseUrl(), timeouts, null, null, null, Map.of("text-model", text)),
            provider("wrongkey", mock.baseUrl(), timeouts, null, null, null, Map.of()),
            provider(
                "hc",
                healthMock.baseUrl(),
                timeouts,
                null,
                null,
                new RoutingTable.HealthCheck(40L, 500L, 2, 2),
                Map.of()),
            provider(
                "quota",
                mock.baseUrl(),
                timeouts,
                null,
                new RoutingTable.Quota(3, null),
                null,
                Map.of()),
            provider("patient", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(
            policy("failover", 1, 200, 0.2, 5, breaker, List.of()),
            policy("patient", 2, 2_000, 0.2, 5, breaker, List.of()),
            policy("capped", 1, 200, 0.2, 5, breaker, List.of(), 1_000L),
            policy(
                "limited",
                1,
                200,
                0.2,
                5,
                breaker,
                List.of(new RoutingTable.RateLimit("api-key", 5, null)))),
        List.of(
            policyRoute(
                "breaker",
                "failover",
                target("brk", "brk-model", 0),
                target("good", "ok-model", 1)),
            policyRoute(
                "health", "failover", target("hc", "hc-model", 0), target("good", "ok-model", 1)),
            policyRoute("bulkhead", "failover", target("narrow", "slow-model", 0)),
            policyRoute(
                "bulkhead-fb",
                "failover",
                target("narrow", "slow-model", 0),
                target("good", "ok-model", 1)),
            policyRoute("limited", "limited", target("good", "ok-model", 0)),
            policyRoute(
                "retry-after",
                "failover",
                target("ra", "ra-model", 0),
                target("good", "ok-model", 1)),
            policyRoute("retry-after-same", "patient", target("ra", "ra-same-model", 0)),
            policyRoute("retry-after-capped", "capped", target("ra", "ra-capped-model", 0)),
            policyRoute("retry-after-ms", "failover", target("ra", "ra-ms-model", 0)),
            policyRoute(
                "retry-after-capped-fb",
                "capped",
                target("ra", "ra-capped-fb-model", 0),
                target("good", "ok-model", 1)),
            policyRoute(
                "capability",
                "failover",
                target("capable", "vision-model", 0),
                target("basic", "text-model", 1)),
            policyRoute(
                "auth",
                "failover",
                target("wrongkey", "ok-model", 0),
                target("good", "ok-model", 1)),
            policyRoute("auth-only", "failover", target("wrongkey", "ok-model", 0)),
            policyRoute(
                "quota",
                "failover",
                target("quota", "quota-model", 0),
                target("good", "ok-model", 1)),
            policyRoute("deadline", "failover", target("good", "stall-model", 0)),
            policyRoute("short-deadlines", "failover", target("patient", "patient-model", 0)),
            policyRoute(
                "answered-then-reset",
                "patient",
                target("good", "reset-model", 0),
                target("good", "ok-model", 1)),
            policyRoute(
                "answered-not-json",
                "patient",
                target("good", "html-model", 0),
                target("good", "ok-model", 1)),
            policyRoute(
                "answered-half",
                "patient",
                target("good", "half-model", 0),
                target("good", "ok-model", 1))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.reset();
    healthMock.reset();
  }

  @Test
  void breakerOpensSkipsTheTargetAndRecoversThroughHalfOpen() throws Exception {
    mock.faults().set("brk-model", "status:500");
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = chat("breaker");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    }
    assertThat(breakerState("brk/brk-model")).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(gateway.admin("/metrics").body())
        .contains("switchboard_circuit_breaker_state{state=\"open\",target=\"brk/brk-model\"} 1.0");
    long attemptsWhenOpened = mock.attempts("brk-model");
    for (int i = 0; i < 3; i++) {
      assertThat(chat("breaker").statusCode()).isEqualTo(200);
    }
    // Open: skipped without being called.
    assertThat(mock.attempts("brk-model")).isEqualTo(attemptsWhenOpened);
    assertThat(gateway.admin("/metrics").body())
        .contains(
            "switchboard_resilience_skips_total{reason=\"circuit_open\",target=\"brk/brk-model\"} 3.0");

    mock.faults().clear("brk-model");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              HttpResponse<String> r = chat("breaker");
              assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("brk");
              assertThat(breakerState("brk/brk-model")).isEqualTo(CircuitBreaker.State.CLOSED);
            });
    JsonNode admin = GatewayHarness.json(gateway.admin("/admin/config").body());
    assertThat(admin.path("resilience").path("circuitBreakers").path("brk/brk-model").asText())
        .isEqualTo("closed");
  }

  @Test
  void healthChecksRemoveAndRestoreAProvider() throws Exception {
    healthMock.faults().set("*", "status:503");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .admin("/metrics")
                    .body()
                    .contains("switchboard_provider_healthy{provider=\"hc\"} 0.0"));
    long before = healthMock.attempts("hc-model");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = chat("health");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    }
    assertThat(healthMock.attempts("hc-model")).isEqualTo(before);

    healthMock.faults().clearAll();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .admin("/metrics")
                    .body()
                    .contains("switchboard_provider_healthy{provider=\"hc\"} 1.0"));
    HttpResponse<String> r = chat("health");
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("hc");
    // Probes are cheap GETs of /models with the provider's key.
    assertThat(healthMock.requests())
        .anySatisfy(
            rec -> {
              assertThat(rec.method()).isEqualTo("GET");
              assertThat(rec.path()).isEqualTo("/v1/models");
              assertThat(rec.keyAccepted()).isTrue();
            });
  }

  @Test
  void bulkheadLetsMaxConcurrencyThroughAndAnswers503ForTheRest() throws Exception {
    mock.faults().set("slow-model", "delay:1500");
    List<HttpResponse<String>> responses = concurrently(10, "bulkhead", Map.of());
    long ok = responses.stream().filter(r -> r.statusCode() == 200).count();
    List<HttpResponse<String>> rejected =
        responses.stream().filter(r -> r.statusCode() != 200).toList();
    assertThat(ok).isEqualTo(2);
    assertThat(rejected).hasSize(8);
    assertThat(rejected)
        .allSatisfy(
            r -> {
              assertThat(r.statusCode()).isEqualTo(503);
              assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
              // Why (the bulkhead of which target) is the gateway's business: it goes to the
              // log with the request id; the client learns the kind and the id.
              assertThat(r.body())
                  .contains("\"code\":\"no_healthy_target\"")
                  .contains("Request id: " + r.headers().firstValue("x-request-id").orElseThrow())
                  .doesNotContain("slow-model")
                  .doesNotContain("concurrency");
            });
    assertThat(mock.attempts("slow-model")).isEqualTo(2);
  }

  @Test
  void fullBulkheadFallsOverToTheNextTarget() throws Exception {
    mock.faults().set("slow-model", "delay:1500");
    List<HttpResponse<String>> responses = concurrently(10, "bulkhead-fb", Map.of());
    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    assertThat(
            responses.stream()
                .filter(
                    r ->
                        r.headers().firstValue("x-switchboard-provider").orElse("").equals("good")))
        .hasSize(8);
  }

  @Test
  void clientRateLimitPerApiKeyUnderConcurrency() throws Exception {
    List<HttpResponse<String>> alice =
        concurrently(12, "limited", Map.of("authorization", "Bearer client-alice"));
    List<HttpResponse<String>> limited = alice.stream().filter(r -> r.statusCode() == 429).toList();
    assertThat(alice.stream().filter(r -> r.statusCode() == 200)).hasSize(5);
    assertThat(limited).hasSize(7);
    assertThat(limited)
        .allSatisfy(
            r -> {
              assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
              JsonNode error = GatewayHarness.json(r.body()).path("error");
              assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
              assertThat(error.path("type").asText()).isEqualTo("requests");
              assertThat(r.headers().firstValue("retry-after").map(Long::parseLong))
                  .hasValueSatisfying(s -> assertThat(s).isPositive());
              assertThat(r.body()).doesNotContain("client-alice");
            });
    // Another key has its own bucket.
    assertThat(chat("limited", "authorization", "Bearer client-bob").statusCode()).isEqualTo(200);
  }

  @Test
  void retryAfterSkipsTheTargetUntilItPasses() throws Exception {
    mock.faults().add("ra-model", "status:429;retry-after=30", 1);
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = chat("retry-after");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
    }
    assertThat(mock.attempts("ra-model")).isEqualTo(1);
  }

  @Test
  void aHugeRetryAfterIsCappedInWhatTheClientIsTold() throws Exception {
    // Issue #13 finding 5: the client was told to wait 999,999 s.
    mock.faults().add("ra-capped-model", "status:429;retry-after=999999", 1);
    HttpResponse<String> limited = chat("retry-after-capped");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).hasValue("1");
  }

  @Test
  void aRetryAfterMsAloneReachesTheClientAsBothHintsTheSdksRead() throws Exception {
    // OpenAI and Azure may send only retry-after-ms; the client was relayed no hint at all.
    mock.faults().add("ra-ms-model", "status:429;retry-after-ms=1500", 1);
    HttpResponse<String> limited = chat("retry-after-ms");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).hasValue("2");
    assertThat(limited.headers().firstValue("retry-after-ms")).hasValue("1500");
  }

  @Test
  void aHugeRetryAfterTakesTheTargetOutOfRotationOnlyUntilTheCap() throws Exception {
    // Issue #13 finding 5: one Retry-After: 999999 took a provider out of rotation for 11 days.
    mock.faults().add("ra-capped-fb-model", "status:429;retry-after=999999", 1);
    HttpResponse<String> first = chat("retry-after-capped-fb");
    assertThat(first.headers().firstValue("x-switchboard-provider")).hasValue("good");
    // Back in rotation once the policy's 1 s cap has passed, not in 11 days.
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                chat("retry-after-capped-fb")
                    .headers()
                    .firstValue("x-switchboard-provider")
                    .orElse("")
                    .equals("ra"));
  }

  /**
   * On a gateway of its own whose clock only moves when the test says so: the retry of the same
   * target is due exactly when the provider's {@code retry-after-ms} says, and not a millisecond
   * before — asserted on the gateway's clock, not by measuring real time.
   */
  @Test
  void retryAfterMsIsWaitedBeforeRetryingTheSameTarget() throws Exception {
    ManualClock clock = new ManualClock();
    RoutingTable table =
        TestTables.table(
            List.of(
                provider(
                    "ra",
                    mock.baseUrl(),
                    new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null),
                    null,
                    null,
                    null,
                    Map.of())),
            List.of(policy("patient", 2, 2_000, 0.2, 5, null, List.of())),
            List.of(policyRoute("retry-after-same", "patient", target("ra", "ra-same-model", 0))));
    try (GatewayHarness manual =
        GatewayHarness.start(
            gateway.vertx(), dir.resolve("manual-clock"), table, Map.of("ra", "sk-m"), clock)) {
      mock.faults().add("ra-same-model", "status:429;retry-after-ms=300", 1);
      CompletableFuture<HttpResponse<String>> response =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(manual.origin() + "/v1/chat/completions"))
                  .timeout(Duration.ofSeconds(20))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(chatBody("retry-after-same")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      // The 429 came back and the gateway waits for the retry (beside its periodic timers, such
      // as the live figures' refresh every second of the gateway clock).
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> clock.pendingDelaysMillis().contains(300L));
      clock.advance(299);
      assertThat(clock.pendingDelaysMillis()).contains(1L).doesNotContain(300L);
      assertThat(mock.attempts("ra-same-model")).isEqualTo(1);
      clock.advance(1);

      HttpResponse<String> r = response.get(20, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-attempts")).hasValue("2");
      assertThat(mock.attempts("ra-same-model")).isEqualTo(2);
    }
  }

  @Test
  void neverFallsOverToATargetLackingACapability() throws Exception {
    mock.faults().set("vision-model", "status:500");
    String vision =
        "{\"model\":\"capability\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
            + "\"text\":\"what is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":"
            + "\"https://example.com/cat.png\"}}]}]}";
    HttpResponse<String> r = post(vision);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    assertThat(mock.attempts("text-model")).isZero();
    // A plain request may use the text-only fallback.
    HttpResponse<String> plain = chat("capability");
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.headers().firstValue("x-switchboard-provider")).hasValue("basic");
  }

  @Test
  void tooLargeForEveryContextWindowIsA400() throws Exception {
    mock.faults().set("vision-model", "status:500");
    String big = "x".repeat(600_000); // ~150k tokens: more than both windows
    HttpResponse<String> r =
        post(
            "{\"model\":\"capability\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + big
                + "\"}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("context window");
    assertThat(mock.attempts("vision-model") + mock.attempts("text-model")).isZero();
  }

  @Test
  void rejectedGatewayKeyFailsOverToAnotherProvider() throws Exception {
    HttpResponse<String> r = chat("auth");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("good");
  }

  @Test
  void rejectedGatewayKeyIsReportedAsConfigurationErrorWithoutTheKey() throws Exception {
    HttpResponse<String> r = chat("auth-only");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    assertThat(GatewayHarness.json(r.body()).path("error").path("code").asText())
        .isEqualTo("upstream_auth_failed");
    assertThat(r.body()).contains("configuration").doesNotContain("sk-wrong-secret");
  }

  @Test
  void providerQuotaIsRespectedBeforeTheProviderSays429() throws Exception {
    List<String> served = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = chat("quota");
      assertThat(r.statusCode()).isEqualTo(200);
      served.add(r.headers().firstValue("x-switchboard-provider").orElse(""));
    }
    assertThat(mock.attempts("quota-model")).isLessThanOrEqualTo(3);
    assertThat(served).contains("good");
  }

  /**
   * The provider's own limits hold when nothing else is left: a route whose one target is out of
   * its provider's quota, or cooling down after the provider's {@code Retry-After}, answers a local
   * 429 with {@code Retry-After} instead of sending the request anyway ("try once" is for an open
   * breaker or an unhealthy verdict only). On a gateway whose clock stands still, so neither the
   * quota refills nor the cool-down ends during the test.
   */
  @Test
  void quotaAndRetryAfterHoldOnASingleTargetRoute() throws Exception {
    ManualClock clock = new ManualClock();
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    RoutingTable table =
        TestTables.table(
            List.of(
                provider(
                    "quota2",
                    mock.baseUrl(),
                    timeouts,
                    null,
                    new RoutingTable.Quota(2, null),
                    null,
                    Map.of()),
                provider("ra", mock.baseUrl(), timeouts, null, null, null, Map.of())),
            List.of(policy("failover", 1, 200, 0.2, 5, null, List.of())),
            List.of(
                policyRoute("quota-only", "failover", target("quota2", "quota-only-model", 0)),
                policyRoute("ra-only", "failover", target("ra", "ra-only-model", 0))));
    try (GatewayHarness manual =
        GatewayHarness.start(
            gateway.vertx(),
            dir.resolve("single-target-limits"),
            table,
            Map.of("quota2", "sk-m", "ra", "sk-m"),
            clock)) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = manual.post("/v1/chat/completions", chatBody("quota-only"));
        statuses.add(r.statusCode());
        if (i >= 2) {
          assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
          assertThat(GatewayHarness.json(r.body()).path("error").path("type").asText())
              .isEqualTo("rate_limit_error");
          // Two requests a minute: the next one is due in 30 s of the gateway's clock.
          assertThat(r.headers().firstValue("retry-after")).hasValue("30");
        }
      }
      assertThat(statuses).containsExactly(200, 200, 429, 429, 429);
      assertThat(mock.attempts("quota-only-model")).isEqualTo(2);
      // 120 ms before the quota has a request again, the client is told so to the millisecond
      // (retry-after-ms, which OpenAI's and Anthropic's SDKs read first), not only a whole second.
      clock.advance(30_000 - 120);
      HttpResponse<String> soon = manual.post("/v1/chat/completions", chatBody("quota-only"));
      assertThat(soon.statusCode()).isEqualTo(429);
      assertThat(Long.parseLong(soon.headers().firstValue("retry-after-ms").orElseThrow()))
          .isBetween(120L, 121L); // the bucket rounds its wait up to the next millisecond
      assertThat(soon.headers().firstValue("retry-after")).hasValue("1");
      assertThat(mock.attempts("quota-only-model")).isEqualTo(2);

      mock.faults().add("ra-only-model", "status:429;retry-after=30", 1);
      HttpResponse<String> limited = manual.post("/v1/chat/completions", chatBody("ra-only"));
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(mock.attempts("ra-only-model")).isEqualTo(1);
      HttpResponse<String> held;
      try (LogCapture requestLog = LogCapture.of(RequestLogWriter.LOGGER_NAME, Level.INFO);
          LogCapture errors = LogCapture.of(ErrorMapping.class.getName(), Level.DEBUG)) {
        held = manual.post("/v1/chat/completions", chatBody("ra-only"));
        String requestId = held.headers().firstValue("x-request-id").orElseThrow();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> requestLine(requestLog, requestId) != null);
        // Nothing was sent upstream: not logged as the provider's 429, nor as a failed upstream.
        JsonNode line = requestLine(requestLog, requestId);
        assertThat(line.path("status").asInt()).isEqualTo(429);
        assertThat(line.path("error_class").asText()).isEqualTo("held_back");
        assertThat(line.path("attempts").asInt()).isZero();
        assertThat(errors.events())
            .filteredOn(e -> e.getFormattedMessage().contains(requestId))
            .isNotEmpty()
            .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
            .noneMatch(e -> e.getFormattedMessage().contains("failed upstream"));
      }
      assertThat(held.statusCode()).isEqualTo(429);
      assertThat(OpenAiWireFormat.problems(Body.ERROR, held.body())).isEmpty();
      JsonNode heldError = GatewayHarness.json(held.body()).path("error");
      assertThat(heldError.path("type").asText()).isEqualTo("rate_limit_error");
      assertThat(heldError.path("code").asText()).isEqualTo("rate_limit_exceeded");
      assertThat(held.headers().firstValue("retry-after")).hasValue("30");
      assertThat(held.headers().firstValue("retry-after-ms")).hasValue("30000");
      assertThat(mock.attempts("ra-only-model")).isEqualTo(1);

      // Once the provider's wait is over on the gateway's clock, the target is called again.
      clock.advance(30_000);
      HttpResponse<String> after = manual.post("/v1/chat/completions", chatBody("ra-only"));
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(mock.attempts("ra-only-model")).isEqualTo(2);
    }
  }

  @Test
  void clientDeadlineBoundsTheWholeRequest() throws Exception {
    mock.faults().set("stall-model", "stall");
    HttpResponse<String> r = chat("deadline", RequestDeadline.HEADER, "300");
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
  }

  /**
   * A client's deadline shorter than the target's answer time is the client's choice, not the
   * target's failure: four requests that give a healthy 300 ms target 100 ms each time out (504),
   * yet its breaker (4 calls, 50 %) stays closed, the attempts are recorded as {@code deadline} —
   * neither a timeout of the target for the canary analysis nor an upstream error — and a request
   * without the header is served by it.
   */
  @Test
  void aClientsShortDeadlineDoesNotCountAgainstTheTarget() throws Exception {
    mock.faults().set("patient-model", "delay:300");
    // Four attempts reach the target (a request the cold gateway takes longer than 100 ms to
    // route never gets as far as an attempt, so send until four did).
    for (int i = 0;
        i < 12
            && attemptCount("short-deadlines", "deadline")
                    + attemptCount("short-deadlines", "timeout")
                < 4;
        i++) {
      HttpResponse<String> r = chat("short-deadlines", RequestDeadline.HEADER, "100");
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(OpenAiWireFormat.problems(Body.ERROR, r.body())).isEmpty();
    }
    assertThat(breakerState("patient/patient-model")).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(attemptCount("short-deadlines", "deadline")).isEqualTo(4.0);
    assertThat(attemptCount("short-deadlines", "timeout")).isZero();

    HttpResponse<String> patient = chat("short-deadlines");
    assertThat(patient.statusCode()).isEqualTo(200);
    assertThat(patient.headers().firstValue("x-switchboard-provider")).hasValue("patient");
    assertThat(breakerState("patient/patient-model")).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  /**
   * A plain answer whose success head arrived before the connection was reset was very likely
   * generated, and billed, by the provider: it is not sent to the same target again (although the
   * policy allows two attempts per target) but fails over to the next one.
   */
  @Test
  void anAnswerBrokenOffAfterItsHeadIsNotResentToTheSameTarget() throws Exception {
    mock.faults().set("reset-model", "reset-after-headers");
    HttpResponse<String> r = chat("answered-then-reset");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("ok-model");
    assertThat(r.headers().firstValue("x-switchboard-attempts")).hasValue("2");
    assertThat(mock.attempts("reset-model")).isEqualTo(1);
  }

  /**
   * A plain {@code 200} whose body does not parse (an HTML page, half a JSON body) was very likely
   * generated and billed too: like an answer broken off after its head, it is not sent to the same
   * target again (although the policy allows two attempts per target) but fails over.
   */
  @Test
  void aSuccessAnswerThatDoesNotParseIsNotResentToTheSameTarget() throws Exception {
    mock.faults().set("html-model", "non-json");
    mock.faults().set("half-model", "truncate:1");

    for (String route : List.of("answered-not-json", "answered-half")) {
      HttpResponse<String> r = chat(route);
      assertThat(r.statusCode()).as(route).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-target-model")).hasValue("ok-model");
      assertThat(r.headers().firstValue("x-switchboard-attempts")).hasValue("2");
    }
    assertThat(mock.attempts("html-model")).isEqualTo(1);
    assertThat(mock.attempts("half-model")).isEqualTo(1);
  }

  /** The request log line of {@code requestId}, or null while it is not written. */
  private static JsonNode requestLine(LogCapture requestLog, String requestId) throws Exception {
    for (String message : requestLog.messages()) {
      JsonNode line = GatewayHarness.json(message);
      if (requestId.equals(line.path("request_id").asText())) {
        return line;
      }
    }
    return null;
  }

  /** {@code switchboard_upstream_attempts} of {@code route} with {@code outcome} (0 when none). */
  private static double attemptCount(String route, String outcome) {
    return gateway
        .server()
        .metrics()
        .registry()
        .find("switchboard_upstream_attempts")
        .tags("route", route, "outcome", outcome)
        .counters()
        .stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count)
        .sum();
  }

  private static CircuitBreaker.State breakerState(String target) {
    return gateway.server().resilience().breakerState(target).orElseThrow();
  }

  private static String chatBody(String model) {
    return GatewayHarness.chat(model, false);
  }

  /** A chat completion asking for {@code model} (the route), with {@code headers}. */
  private static HttpResponse<String> chat(String model, String... headers) throws Exception {
    return gateway.post("/v1/chat/completions", chatBody(model), headers);
  }

  /** A chat completion with {@code body} as it is (the route is the body's model). */
  private static HttpResponse<String> post(String body, String... headers) throws Exception {
    return gateway.post("/v1/chat/completions", body, headers);
  }

  private static List<HttpResponse<String>> concurrently(
      int n, String model, Map<String, String> headers) {
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
              .timeout(Duration.ofSeconds(20))
              .header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(chatBody(model)));
      headers.forEach(b::header);
      futures.add(http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }
}
