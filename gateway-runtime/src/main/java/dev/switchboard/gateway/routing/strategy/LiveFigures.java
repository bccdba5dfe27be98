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
}
