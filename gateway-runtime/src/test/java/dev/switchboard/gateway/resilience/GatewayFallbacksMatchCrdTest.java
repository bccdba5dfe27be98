package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.cache.CacheSettings;
import dev.switchboard.gateway.routing.strategy.FigureStrategy;
import dev.switchboard.gateway.upstream.AttemptTimeouts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the gateway assumes for a field the routing table leaves out (a table from a server that
 * applies no schema defaults, such as the local stack's mock API server, or a file written by hand)
 * is what the committed CRDs document: their schema {@code default}, or for a field a CEL rule
 * bounds by another (no schema default possible), the "Absent: …" the operator renders and {@code
 * kubectl explain} shows. Read from the CRD files, so neither side can drift on its own.
 */
class GatewayFallbacksMatchCrdTest {

  private static final Path CRDS = Path.of("../crds");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern ABSENT = Pattern.compile("Absent: ([0-9a-z.]+),");

  private static JsonNode spec(String crdFile) throws IOException {
    return YAML.readTree(CRDS.resolve(crdFile).toFile())
        .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties");
  }

  /** The schema node of {@code a.b.c} under the spec's properties. */
  private static JsonNode property(JsonNode spec, String dotted) {
    JsonNode node = spec;
    String[] names = dotted.split("\\.");
    for (int i = 0; i < names.length; i++) {
      node = node.path(names[i]);
      if (i < names.length - 1) {
        node = node.path("properties");
      }
    }
    assertThat(node.isMissingNode()).as("%s in the CRD", dotted).isFalse();
    return node;
  }

  private static long defaultMillis(JsonNode spec, String dotted) {
    return Durations.toMillis(property(spec, dotted).path("default").asText());
  }

  /** The default a field's description states for when it is absent ("Absent: 2s, or …"). */
  private static long absentMillis(JsonNode spec, String dotted) {
    String description = property(spec, dotted).path("description").asText();
    Matcher m = ABSENT.matcher(description);
    assertThat(m.find()).as("%s states its default: %s", dotted, description).isTrue();
    return Durations.toMillis(m.group(1));
  }

  private static RoutingTable.Provider provider(RoutingTable.Timeouts timeouts) {
    return TestTables.provider("p", "openai", "http://127.0.0.1:1", true, Map.of(), timeouts);
  }

  private static RoutingTable.Policy policy(
      RoutingTable.Retry retry, RoutingTable.CircuitBreaker breaker) {
    return new RoutingTable.Policy(
        "p", null, null, List.of(), retry, null, breaker, List.of(), null, null, null);
  }

  @Test
  void timeoutsAbsentFromTheTableAreTheDocumentedDefaults() throws IOException {
    JsonNode endpoint = spec("providerendpoints.switchboard.dev-v1.yml");
    AttemptTimeouts documented =
        new AttemptTimeouts(
            absentMillis(endpoint, "timeouts.connect"),
            absentMillis(endpoint, "timeouts.firstToken"),
            defaultMillis(endpoint, "timeouts.total"),
            defaultMillis(endpoint, "timeouts.streamIdle"));

    assertThat(AttemptTimeouts.of(provider(null))).isEqualTo(documented);
    assertThat(AttemptTimeouts.of(provider(new RoutingTable.Timeouts(null, null, null, null))))
        .isEqualTo(documented);
  }

  @Test
  void anAbsentConnectOrFirstTokenIsNeverLongerThanTheDeclaredTotal() throws IOException {
    JsonNode endpoint = spec("providerendpoints.switchboard.dev-v1.yml");
    long connect = absentMillis(endpoint, "timeouts.connect");
    long firstToken = absentMillis(endpoint, "timeouts.firstToken");
    long streamIdle = defaultMillis(endpoint, "timeouts.streamIdle");

    // Between the two defaults: connect keeps its default, firstToken is the total.
    long between = (connect + firstToken) / 2;
    assertThat(AttemptTimeouts.of(provider(new RoutingTable.Timeouts(null, null, between, null))))
        .isEqualTo(new AttemptTimeouts(connect, between, between, streamIdle));
    // Below both: both are the total, as the operator renders `timeouts: {total: 1s}`.
    long below = connect / 2;
    assertThat(AttemptTimeouts.of(provider(new RoutingTable.Timeouts(null, null, below, null))))
        .isEqualTo(new AttemptTimeouts(below, below, below, streamIdle));
  }

  @Test
  void healthCheckFieldsAbsentFromTheTableAreTheDocumentedDefaults() throws IOException {
    JsonNode endpoint = spec("providerendpoints.switchboard.dev-v1.yml");
    assertThat(HealthChecker.DEFAULT_INTERVAL_MS)
        .isEqualTo(defaultMillis(endpoint, "healthCheck.interval"));
    assertThat(HealthChecker.DEFAULT_TIMEOUT_MS)
        .isEqualTo(absentMillis(endpoint, "healthCheck.timeout"));
    assertThat(HealthChecker.DEFAULT_UNHEALTHY_THRESHOLD)
        .isEqualTo(property(endpoint, "healthCheck.unhealthyThreshold").path("default").asInt());
    assertThat(HealthChecker.DEFAULT_HEALTHY_THRESHOLD)
        .isEqualTo(property(endpoint, "healthCheck.healthyThreshold").path("default").asInt());
  }

  @Test
  void aPolicyThatLeavesRetryAndBreakerOutGetsTheSchemaDefaults() throws IOException {
    JsonNode policy = spec("routingpolicies.switchboard.dev-v1.yml");
    RoutingTable.Retry emptyRetry =
        new RoutingTable.Retry(null, null, null, null, null, null, null, null, null, null);
    RoutingTable.CircuitBreaker emptyBreaker =
        new RoutingTable.CircuitBreaker(null, null, null, null, null);

    for (ResiliencePolicy p :
        List.of(
            ResiliencePolicy.of(policy(null, null)),
            ResiliencePolicy.of(policy(emptyRetry, emptyBreaker)))) {
      assertThat(p.maxAttempts())
          .isEqualTo(property(policy, "retry.maxAttempts").path("default").asInt());
      assertThat(p.backoffInitialMs()).isEqualTo(absentMillis(policy, "retry.backoff.initial"));
      assertThat(p.backoffMaxMs()).isEqualTo(defaultMillis(policy, "retry.backoff.max"));
      assertThat(p.backoffMultiplier())
          .isEqualTo(property(policy, "retry.backoff.multiplier").path("default").asDouble());
      assertThat(p.fullJitter())
          .isEqualTo(
              "full".equals(property(policy, "retry.backoff.jitter").path("default").asText()));
      assertThat(p.respectRetryAfter())
          .isEqualTo(property(policy, "retry.respectRetryAfter").path("default").asBoolean());
      assertThat(p.maxRetryAfterMs()).isEqualTo(defaultMillis(policy, "retry.maxRetryAfter"));
      assertThat(p.budgetRatio())
          .isEqualTo(property(policy, "retry.budget.ratio").path("default").asDouble());
      assertThat(p.budgetMinPerSecond())
          .isEqualTo(property(policy, "retry.budget.minPerSecond").path("default").asInt());
      assertThat(p.requireSameCapabilities())
          .isEqualTo(
              property(policy, "fallback.requireSameCapabilities").path("default").asBoolean());
      assertThat(p.breaker().failureRateThreshold())
          .isEqualTo(
              property(policy, "circuitBreaker.failureRateThreshold").path("default").asInt());
      assertThat(p.breaker().minimumCalls())
          .isEqualTo(property(policy, "circuitBreaker.minimumCalls").path("default").asInt());
      assertThat(p.breaker().windowMs()).isEqualTo(defaultMillis(policy, "circuitBreaker.window"));
      assertThat(p.breaker().openForMs())
          .isEqualTo(defaultMillis(policy, "circuitBreaker.openFor"));
    }
  }

  @Test
  void cacheAndExplorationFieldsLeftOutAreTheSchemaDefaults() throws IOException {
    JsonNode policy = spec("routingpolicies.switchboard.dev-v1.yml");
    CacheSettings cache =
        CacheSettings.of(
            new RoutingTable.Cache(
                true, null, null, true, null, null, null, null, null, null, null));

    assertThat(cache.exactTtlMs()).isEqualTo(defaultMillis(policy, "cache.exact.ttl"));
    assertThat(cache.exactMaxEntries())
        .isEqualTo(property(policy, "cache.exact.maxEntries").path("default").asInt());
    assertThat(cache.threshold())
        .isEqualTo(
            property(policy, "cache.semantic.similarityThreshold").path("default").asDouble());
    assertThat(cache.semanticTtlMs()).isEqualTo(defaultMillis(policy, "cache.semantic.ttl"));
    assertThat(cache.semanticMaxEntries())
        .isEqualTo(property(policy, "cache.semantic.maxEntries").path("default").asInt());
    assertThat(cache.conversation())
        .isEqualTo(
            "conversation"
                .equals(property(policy, "cache.semantic.messages").path("default").asText()));
    assertThat(cache.maxTemperature())
        .isEqualTo(property(policy, "cache.maxTemperature").path("default").asDouble());
    assertThat(FigureStrategy.DEFAULT_EXPLORATION_SHARE)
        .isEqualTo(property(policy, "exploration.share").path("default").asDouble());
  }

  @Test
  void anAbsentInitialBackoffIsNeverLongerThanTheDeclaredMax() throws IOException {
    long initial =
        absentMillis(spec("routingpolicies.switchboard.dev-v1.yml"), "retry.backoff.initial");
    long shorterMax = initial / 2;
    ResiliencePolicy p =
        ResiliencePolicy.of(
            policy(
                new RoutingTable.Retry(
                    null, null, shorterMax, null, null, null, null, null, null, null),
                null));
    assertThat(p.backoffInitialMs()).isEqualTo(shorterMax);
    assertThat(p.backoffMaxMs()).isEqualTo(shorterMax);
  }
}
