package dev.switchboard.gateway.cost;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import java.time.Instant;

/**
 * The cost of one answer from the serving model's table prices (per million tokens): uncached input
 * at the input price, cached input at the cached-input price and input written to the prompt cache
 * at the cache-write price (each the input price when the table gives none), output at the output
 * price. Only USD prices (or prices without a currency) are summed: adding currencies would need
 * exchange rates the gateway does not have.
 */
public final class Pricing {

  private Pricing() {}

  /**
   * The answer's cost in USD on {@code target} at list prices, or null when its model has no USD
   * price.
   */
  public static Double costUsd(PlannedTarget target, TokenUsage usage) {
    return costUsd(target, usage, null);
  }

  /**
   * The answer's cost in USD on {@code target} at the prices in force at {@code at} (its price
   * windows applied; null: list prices), or null when its model has no USD price.
   */
  public static Double costUsd(PlannedTarget target, TokenUsage usage, Instant at) {
    if (target == null || usage == null) {
      return null;
    }
    return target
        .provider()
        .model(target.target().model())
        .map(RoutingTable.Model::pricing)
        .map(p -> costUsd(at == null ? p : PriceSchedule.at(p, at).pricing(), usage))
        .orElse(null);
  }

  /** The cost of {@code usage} at {@code prices}, or null when they are not in USD. */
  public static Double costUsd(RoutingTable.Pricing prices, TokenUsage usage) {
    // A provider reporting more cached (read or written) than input tokens is not believed beyond
    // the input.
    long cached = Math.min(usage.cachedInputTokens(), usage.inputTokens());
    long written = Math.min(usage.cacheWriteInputTokens(), usage.inputTokens() - cached);
    return costUsd(prices, usage.inputTokens(), cached, written, usage.outputTokens());
  }

  /**
   * The cost of a request with these (mean) token counts at {@code prices}, without cache writes,
   * or null when they are not in USD.
   */
  public static Double costUsd(
      RoutingTable.Pricing prices,
      double inputTokens,
      double cachedInputTokens,
      double outputTokens) {
    return costUsd(prices, inputTokens, cachedInputTokens, 0, outputTokens);
  }

  /**
   * The cost of a request with these (mean) token counts at {@code prices}, or null when they are
   * not in USD. {@code cachedInputTokens} is the part of {@code inputTokens} read from the cache,
   * {@code cacheWriteInputTokens} the part written to it.
   */
  public static Double costUsd(
      RoutingTable.Pricing prices,
      double inputTokens,
      double cachedInputTokens,
      double cacheWriteInputTokens,
      double outputTokens) {
    if (prices.currency() != null && !"USD".equalsIgnoreCase(prices.currency())) {
      return null;
    }
    double in = orZero(prices.inputPerMillionTokens());
    double out = orZero(prices.outputPerMillionTokens());
    double cachedPrice =
        prices.cachedInputPerMillionTokens() == null ? in : prices.cachedInputPerMillionTokens();
    double writePrice =
        prices.cacheWriteInputPerMillionTokens() == null
            ? in
            : prices.cacheWriteInputPerMillionTokens();
    return ((inputTokens - cachedInputTokens - cacheWriteInputTokens) * in
            + cachedInputTokens * cachedPrice
            + cacheWriteInputTokens * writePrice
            + outputTokens * out)
        / 1_000_000.0;
  }

  private static double orZero(Double value) {
    return value == null ? 0 : value;
  }
}
