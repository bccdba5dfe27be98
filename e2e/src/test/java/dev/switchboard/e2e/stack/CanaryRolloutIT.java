package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.e2e.local.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Closed-loop canaries on the whole system: the operator analyses the gateway's own per-arm
 * metrics, rolls a failing model back and promotes a healthy one, while an application keeps
 * calling the route and never sees an error.
 */
class CanaryRolloutIT {

  private static final String LLAMA = "llama-3.1-8b-instruct";

  static LocalSamples samples;
  static LocalStack stack;
  static HttpClient http = HttpClient.newHttpClient();

  /** Steady traffic to one route, recording every status and which provider answered. */
  static final class Traffic implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong ok = new AtomicLong();
    final Map<Integer, AtomicInteger> failures = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> providers = new ConcurrentHashMap<>();
    final Thread thread;

    Traffic(String model) {
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    HttpResponse<String> response = chat(model);
                    if (response.statusCode() == 200) {
                      ok.incrementAndGet();
                      providers
                          .computeIfAbsent(
                              response.headers().firstValue("x-switchboard-provider").orElse("?"),
                              p -> new AtomicInteger())
                          .incrementAndGet();
                    } else {
                      failures
                          .computeIfAbsent(response.statusCode(), s -> new AtomicInteger())
                          .incrementAndGet();
                    }
                    Thread.sleep(15);
                  } catch (InterruptedException e) {
                    return;
                  } catch (Exception e) {
                    failures.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                  }
                }
              },
              "canary-traffic-" + model);
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    samples = LocalSamples.create();
    Files.writeString(
        samples.dir.resolve("canary-policy.yaml"),
        """
        # Fail over from a failing canary at once, with budget to spare: the client must not notice.
        apiVersion: switchboard.dev/v1alpha1
        kind: RoutingPolicy
        metadata: {name: canary-test}
        spec:
          strategy: priority
          retry:
            maxAttempts: 1
            budget: {ratio: 1.0, minPerSecond: 100}
          circuitBreaker: {failureRateThreshold: 100, minimumCalls: 100000, window: 60s, openFor: 1s}
        """);
    stack = samples.start(samples.options(), line -> {});
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @AfterEach
  void heal() {
    stack.mock(samples.secondary).faults().clearAll();
    stack.mock(samples.azure).faults().clearAll();
  }

  private static void writeRoute(String name, String mode, String target) throws Exception {
    writeRoute(name, mode, target, "2s");
  }

  private static void writeRoute(String name, String mode, String target, String pause)
      throws Exception {
    Files.writeString(
        samples.dir.resolve("route-" + name + ".yaml"),
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: %s}
        spec:
          model: %s
          policyRef: {name: canary-test}
          targets:
            - %s
          canary:
            mode: %s
            steps: [{weight: 30, pause: %s}, {weight: 60, pause: %s}]
            analysis: {interval: 2s, minRequests: 5, maxErrorRate: 0.1, maxLatencyP95Ratio: 20}
        """
            .formatted(name, name, target, mode, pause, pause));
    stack.applier().sync();
  }

  private static ModelRoute route(String name) {
    return stack
        .api()
        .client()
        .resources(ModelRoute.class)
        .inNamespace("default")
        .withName(name)
        .get();
  }

  private static void awaitPhase(String name, String phase) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              ModelRoute route = route(name);
              assertThat(route).isNotNull();
              assertThat(route.getStatus()).isNotNull();
              assertThat(route.getStatus().getPhase()).isEqualTo(phase);
            });
  }

  private static void awaitStableAt(String name, long generation) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              ModelRoute route = route(name);
              assertThat(route).isNotNull();
              assertThat(route.getStatus()).isNotNull();
              assertThat(route.getStatus().getPhase()).isEqualTo("Stable");
              assertThat(route.getStatus().getStableRevision()).isEqualTo(generation);
            });
  }

  /**
   * Waits until the gateway answers the route: {@code Stable} in status means the operator
   * published the table, not that every gateway replica loaded it yet, and traffic started before
   * that would count the load delay as client errors of the rollout.
   */
  private static void awaitServed(String model) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(chat(model).statusCode()).isEqualTo(200));
  }

  /** One plain chat request through the gateway. */
  static HttpResponse<String> chat(String model) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/chat/completions"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFailingModelIsRolledBackAndAHealthyOneIsPromotedWithoutClientErrors() throws Exception {
    String stable = "{providerRef: {name: local-primary}, model: gpt-4o-mini}";
    writeRoute("chat-canary", "split", stable);
    awaitStableAt("chat-canary", 1);
    awaitServed("chat-canary");

    try (Traffic traffic = new Traffic("chat-canary")) {
      // A new model version that fails every request.
      stack.mock(samples.secondary).faults().set(LLAMA, "status:500");
      writeRoute(
          "chat-canary", "split", "{providerRef: {name: local-secondary}, model: " + LLAMA + "}");
      awaitPhase("chat-canary", "RolledBack");
      ModelRoute rolledBack = route("chat-canary");
      assertThat(rolledBack.getStatus().getFailedRevision())
          .isEqualTo(rolledBack.getMetadata().getGeneration());
      assertThat(rolledBack.getStatus().getAnalysis().getVerdict()).isEqualTo("Fail");
      assertThat(rolledBack.getStatus().getAnalysis().getCanary().getErrorRate())
          .isGreaterThan(0.1);
      long canaryAttempts = stack.mock(samples.secondary).attempts(LLAMA);
      assertThat(canaryAttempts).as("the canary really received traffic").isPositive();

      // Then the provider is fixed. A spec edit that keeps the canary's targets (a weight) does
      // not retry it; the retry annotation does, and the canary is promoted through both steps.
      stack.mock(samples.secondary).faults().clearAll();
      writeRoute(
          "chat-canary",
          "split",
          "{providerRef: {name: local-secondary}, model: " + LLAMA + ", weight: 2}");
      long generation = route("chat-canary").getMetadata().getGeneration();
      awaitPhase("chat-canary", "RolledBack");
      stack
          .api()
          .client()
          .resources(ModelRoute.class)
          .inNamespace("default")
          .withName("chat-canary")
          .edit(
              r -> {
                java.util.Map<String, String> annotations =
                    r.getMetadata().getAnnotations() == null
                        ? new java.util.HashMap<>()
                        : new java.util.HashMap<>(r.getMetadata().getAnnotations());
                annotations.put("switchboard.dev/retry", "true");
                r.getMetadata().setAnnotations(annotations);
                return r;
              });
      awaitStableAt("chat-canary", generation);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                int before =
                    traffic.providers.getOrDefault("local-secondary", new AtomicInteger()).get();
                Thread.sleep(300);
                assertThat(traffic.providers.get("local-secondary").get()).isGreaterThan(before);
              });

      traffic.close();
      assertThat(traffic.ok.get()).isGreaterThan(50);
      assertThat(traffic.failures).as("client-visible errors during both rollouts").isEmpty();
    }
  }

  @Test
  void shadowModeMirrorsToTheCanaryAndAnswersOnlyFromStable() throws Exception {
    writeRoute("chat-shadow", "shadow", "{providerRef: {name: local-primary}, model: gpt-4o-mini}");
    awaitStableAt("chat-shadow", 1);
    awaitServed("chat-shadow");

    try (Traffic traffic = new Traffic("chat-shadow")) {
      long mirroredBefore = stack.mock(samples.secondary).attempts(LLAMA);
      // A long first step: the canary stays at it while its copies are analysed.
      writeRoute(
          "chat-shadow",
          "shadow",
          "{providerRef: {name: local-secondary}, model: " + LLAMA + "}",
          "10m");
      awaitPhase("chat-shadow", "Progressing");
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(stack.mock(samples.secondary).attempts(LLAMA) - mirroredBefore)
                      .isGreaterThan(5));
      // The copies are the canary's requests in its analysis (not 0 and Inconclusive for ever).
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                ModelRoute route = route("chat-shadow");
                assertThat(route.getStatus().getPhase()).isEqualTo("Progressing");
                assertThat(route.getStatus().getAnalysis()).isNotNull();
                assertThat(route.getStatus().getAnalysis().getVerdict()).isEqualTo("Pass");
                assertThat(route.getStatus().getAnalysis().getCanary().getRequests())
                    .isGreaterThanOrEqualTo(5);
              });
      // While the shadow canary runs, every answer comes from stable.
      Map<String, Integer> seen = new java.util.HashMap<>();
      traffic.providers.forEach((p, n) -> seen.put(p, n.get()));
      assertThat(seen).containsOnlyKeys("local-primary");
      assertThat(traffic.failures).isEmpty();
    }
  }

  /**
   * A canary whose target fails every call opens its circuit breaker after a few calls; from then
   * on the gateway skips it and stable answers. Those skips are the canary's failed requests in its
   * analysis: without them it showed a handful of attempts per window, under {@code minRequests},
   * stayed {@code Inconclusive} and kept its half of the traffic for ever.
   */
  @Test
  void aCanaryBehindItsOpenBreakerIsRolledBack() throws Exception {
    Files.writeString(
        samples.dir.resolve("canary-breaker-policy.yaml"),
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: RoutingPolicy
        metadata: {name: canary-breaker}
        spec:
          strategy: priority
          retry:
            maxAttempts: 1
            budget: {ratio: 1.0, minPerSecond: 100}
          circuitBreaker: {failureRateThreshold: 50, minimumCalls: 5, window: 60s, openFor: 60s}
        """);
    String route =
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: chat-breaker}
        spec:
          model: chat-breaker
          policyRef: {name: canary-breaker}
          targets:
            - %s
          canary:
            mode: split
            steps: [{weight: 50, pause: 10m}]
            analysis: {interval: 2s, minRequests: 50, maxErrorRate: 0.1, maxLatencyP95Ratio: 20}
        """;
    Files.writeString(
        samples.dir.resolve("route-chat-breaker.yaml"),
        route.formatted("{providerRef: {name: local-primary}, model: gpt-4o-mini}"));
    stack.applier().sync();
    awaitStableAt("chat-breaker", 1);
    awaitServed("chat-breaker");

    try (Traffic traffic = new Traffic("chat-breaker")) {
      stack.mock(samples.azure).faults().set("gpt-4o-mini", "status:500");
      Files.writeString(
          samples.dir.resolve("route-chat-breaker.yaml"),
          route.formatted("{providerRef: {name: local-azure}, model: gpt-4o-mini}"));
      stack.applier().sync();
      // Within 15 analysis intervals of the canary's start (its breaker opens in the first).
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(route("chat-breaker").getStatus().getPhase()).isEqualTo("RolledBack"));
      ModelRoute rolledBack = route("chat-breaker");
      assertThat(rolledBack.getStatus().getAnalysis().getVerdict()).isEqualTo("Fail");
      assertThat(rolledBack.getStatus().getAnalysis().getCanary().getRequests())
          .isGreaterThanOrEqualTo(50);
      assertThat(stack.mock(samples.azure).attempts("gpt-4o-mini"))
          .as("the canary's target was called only until its breaker opened")
          .isLessThan(50);
      traffic.close();
      assertThat(traffic.failures).as("client-visible errors").isEmpty();
    }
  }
}
