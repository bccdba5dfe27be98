package dev.switchboard.operator.rollout;

/**
 * Told about every rollout decision, so that the canary weight and the last verdict can be exported
 * as operator metrics without the planner knowing about a metrics registry.
 */
public interface CanaryObserver {

  /** An observer that ignores everything. */
  CanaryObserver NONE =
      new CanaryObserver() {
        @Override
        public void observed(
            String namespace, String route, String phase, int canaryWeight, String verdict) {}

        @Override
        public void forgotten(String namespace, String route) {}
      };

  /**
   * @param verdict Pass, Fail or Inconclusive of the last analysis, or null before the first one
   */
  void observed(String namespace, String route, String phase, int canaryWeight, String verdict);

  /** The route is gone; stop exporting it. */
  void forgotten(String namespace, String route);
}
