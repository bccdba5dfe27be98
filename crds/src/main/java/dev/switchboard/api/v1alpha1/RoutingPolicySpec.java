package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Strategy;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** Desired state of a RoutingPolicy: how requests are routed and protected. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RoutingPolicySpec {

  @JsonPropertyDescription(
      "priority (ordered failover), weighted, least-latency, least-cost or cost-latency.")
  @Default("priority")
  @SchemaFrom(type = Strategy.class)
  private String strategy;

  @JsonPropertyDescription("Latency target used by least-cost and cost-latency.")
  private LatencyObjective latencyObjective;

  @JsonPropertyDescription(
      "Share of traffic that keeps the figures of targets the strategy does not choose fresh.")
  private Exploration exploration;

  @JsonPropertyDescription("Time windows that override the strategy; they must not overlap.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(w, self.exists_one(v, v.name == w.name))",
      message = "schedule window names must be unique")
  private List<ScheduleWindow> schedule;

  @JsonPropertyDescription("Retries and backoff.")
  @Default("{}")
  private RetrySpec retry;

  @JsonPropertyDescription("Fallback rules.")
  @Default("{}")
  private Fallback fallback;

  @JsonPropertyDescription("Per-target circuit breaker.")
  @Default("{}")
  private CircuitBreakerSpec circuitBreaker;

  @JsonPropertyDescription("Rate limits per API key, route or header.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(l, self.exists_one(m, m.key == l.key))",
      message = "rate limit keys must be unique")
  private List<RateLimit> rateLimits;

  @JsonPropertyDescription("Response caching.")
  private CacheSpec cache;

  @JsonPropertyDescription("Deterministic mode.")
  private Deterministic deterministic;

  @JsonPropertyDescription("Scheduled output drift check.")
  private DriftCheck driftCheck;

  @JsonPropertyDescription("Model retirement: warnings, successor or reject, auto-evaluation.")
  private PolicyLifecycle lifecycle;

  @JsonPropertyDescription("Body logging.")
  @Default("{}")
  private LoggingSpec logging;

  public String getStrategy() {
    return strategy;
  }

  public void setStrategy(String strategy) {
    this.strategy = strategy;
  }

  public LatencyObjective getLatencyObjective() {
    return latencyObjective;
  }

  public void setLatencyObjective(LatencyObjective latencyObjective) {
    this.latencyObjective = latencyObjective;
  }

  public Exploration getExploration() {
    return exploration;
  }

  public void setExploration(Exploration exploration) {
    this.exploration = exploration;
  }

  public List<ScheduleWindow> getSchedule() {
    return schedule;
  }

  public void setSchedule(List<ScheduleWindow> schedule) {
    this.schedule = schedule;
  }

  public RetrySpec getRetry() {
    return retry;
  }

  public void setRetry(RetrySpec retry) {
    this.retry = retry;
  }

  public Fallback getFallback() {
    return fallback;
  }

  public void setFallback(Fallback fallback) {
    this.fallback = fallback;
  }

  public CircuitBreakerSpec getCircuitBreaker() {
    return circuitBreaker;
  }

  public void setCircuitBreaker(CircuitBreakerSpec circuitBreaker) {
    this.circuitBreaker = circuitBreaker;
  }

  public List<RateLimit> getRateLimits() {
    return rateLimits;
  }

  public void setRateLimits(List<RateLimit> rateLimits) {
    this.rateLimits = rateLimits;
  }

  public CacheSpec getCache() {
    return cache;
  }

  public void setCache(CacheSpec cache) {
    this.cache = cache;
  }

  public Deterministic getDeterministic() {
    return deterministic;
  }

  public void setDeterministic(Deterministic deterministic) {
    this.deterministic = deterministic;
  }

  public DriftCheck getDriftCheck() {
    return driftCheck;
  }

  public void setDriftCheck(DriftCheck driftCheck) {
    this.driftCheck = driftCheck;
  }

  public PolicyLifecycle getLifecycle() {
    return lifecycle;
  }

  public void setLifecycle(PolicyLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  public LoggingSpec getLogging() {
    return logging;
  }

  public void setLogging(LoggingSpec logging) {
    this.logging = logging;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RoutingPolicySpec)) {
      return false;
    }
    RoutingPolicySpec that = (RoutingPolicySpec) o;
    return Objects.equals(strategy, that.strategy)
        && Objects.equals(latencyObjective, that.latencyObjective)
        && Objects.equals(exploration, that.exploration)
        && Objects.equals(schedule, that.schedule)
        && Objects.equals(retry, that.retry)
        && Objects.equals(fallback, that.fallback)
        && Objects.equals(circuitBreaker, that.circuitBreaker)
        && Objects.equals(rateLimits, that.rateLimits)
        && Objects.equals(cache, that.cache)
        && Objects.equals(deterministic, that.deterministic)
        && Objects.equals(driftCheck, that.driftCheck)
        && Objects.equals(lifecycle, that.lifecycle)
        && Objects.equals(logging, that.logging);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        strategy,
        latencyObjective,
        exploration,
        schedule,
        retry,
        fallback,
        circuitBreaker,
        rateLimits,
        cache,
        deterministic,
        driftCheck,
        lifecycle,
        logging);
  }

  @Override
  public String toString() {
    return "RoutingPolicySpec{"
        + "strategy="
        + strategy
        + ", latencyObjective="
        + latencyObjective
        + ", exploration="
        + exploration
        + ", schedule="
        + schedule
        + ", retry="
        + retry
        + ", fallback="
        + fallback
        + ", circuitBreaker="
        + circuitBreaker
        + ", rateLimits="
        + rateLimits
        + ", cache="
        + cache
        + ", deterministic="
        + deterministic
        + ", driftCheck="
        + driftCheck
        + ", lifecycle="
        + lifecycle
        + ", logging="
        + logging
        + "}";
  }
}
