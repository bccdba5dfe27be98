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
   * Whether {@code targetId}'s prepaid {@code commitment} still has room this month (then its
   * capacity is already paid for); false without a commitment or without counts.
   */
  default boolean committedCapacityLeft(
      String targetId, dev.switchboard.contract.RoutingTable.Commitment commitment) {
    return false;
  }
}
