package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.RoutingTable;
import java.util.List;
import java.util.Map;

/** Routing-table builders for resilience tests: providers with protection, policies, routes. */
final class ResilienceTables {

  private ResilienceTables() {}

  static RoutingTable.Provider provider(
      String name,
      String baseUrl,
      RoutingTable.Timeouts timeouts,
      Integer maxConcurrency,
      RoutingTable.Quota quota,
      RoutingTable.HealthCheck healthCheck,
      Map<String, RoutingTable.Model> models) {
    return new RoutingTable.Provider(
        name,
        "openai-compatible",
        baseUrl,
        true,
        null,
        Map.of(),
        timeouts,
        maxConcurrency,
        quota,
        healthCheck,
        models);
  }

  static RoutingTable.Policy policy(
      String name,
      int maxAttempts,
      long backoffMaxMs,
      double budgetRatio,
      int budgetMinPerSecond,
      RoutingTable.CircuitBreaker breaker,
      List<RoutingTable.RateLimit> rateLimits) {
    return policy(
        name,
        maxAttempts,
        backoffMaxMs,
        budgetRatio,
        budgetMinPerSecond,
        breaker,
        rateLimits,
        null);
  }

  /** As above, with a cap on honoured Retry-After waits (null: the gateway's default). */
  static RoutingTable.Policy policy(
      String name,
      int maxAttempts,
      long backoffMaxMs,
      double budgetRatio,
      int budgetMinPerSecond,
      RoutingTable.CircuitBreaker breaker,
      List<RoutingTable.RateLimit> rateLimits,
      Long maxRetryAfterMs) {
    return new RoutingTable.Policy(
        name,
        "priority",
        null,
        List.of(),
        new RoutingTable.Retry(
            maxAttempts,
            10L,
            backoffMaxMs,
            2.0,
            "full",
            null,
            true,
            budgetRatio,
            budgetMinPerSecond,
            maxRetryAfterMs),
        true,
        breaker,
        rateLimits,
        null,
        null,
        null);
  }
}
