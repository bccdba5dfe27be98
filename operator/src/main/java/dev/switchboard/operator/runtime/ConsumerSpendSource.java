package dev.switchboard.operator.runtime;

import java.util.Map;
import java.util.Optional;

/**
 * What the consumers of a namespace have spent, as the gateway replicas report it: an I/O step of
 * its own, injected into the Consumer reconciler.
 */
public interface ConsumerSpendSource {

  /** For an operator that does not observe the gateways: status.spend is left alone. */
  ConsumerSpendSource NONE = namespace -> Optional.empty();

  /**
   * Spend by consumer name; empty when no replica could be asked. Consumers the gateways do not
   * count (no budget, no rate limit) are absent.
   */
  Optional<Map<String, Spent>> spend(String namespace);

  /**
   * USD spent today (UTC) and this month; {@code shared} when every replica reported it from a
   * shared state store, so the gateways refuse on this total. Otherwise it is the sum of replicas
   * that each count (and enforce the budget) alone.
   */
  record Spent(double todayUsd, double monthUsd, boolean shared) {}
}
