package dev.switchboard.gateway.routing.strategy;

/**
 * The live per-target figures a routing strategy may decide on (this replica's sliding window), as
 * typed values rather than the stats JSON document.
 */
public interface LiveFigures {

  /** No figures at all (tests, and strategies that ignore figures). */
  LiveFigures NONE = (route, targetId) -> TargetFigures.NONE;

  /** The figures of {@code targetId} on {@code route}; {@link TargetFigures#NONE} without data. */
  TargetFigures target(String route, String targetId);

  /**
   * The figures of a route over all its targets (the token mix of its requests when a target has
   * none of its own); {@link TargetFigures#NONE} without data.
   */
  default TargetFigures route(String route) {
    return TargetFigures.NONE;
  }

  /**
   * Which prepaid commitment still has room this month for {@code model} of {@code provider} (then
   * its capacity is already paid for): the model's own, else the provider's; null when neither (or
   * without counts). Read from memory: no call leaves the replica.
   */
  default dev.switchboard.gateway.cost.CommitmentLedger.Cover committedCapacity(
      dev.switchboard.contract.RoutingTable.Provider provider, String model) {
    return null;
  }
}
