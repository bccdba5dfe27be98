package dev.switchboard.operator.rollout.metrics;

import java.util.Optional;

/**
 * Where canary analysis gets its figures: the gateway replicas' own {@code /metrics} (default) or a
 * Prometheus server. Implementations may do network I/O; they are called from reconciler threads,
 * never from an event loop.
 */
public interface CanaryMetricsSource {

  /**
   * Both arms' figures over the current step so far: from {@link CanaryQuery#since()} (or the
   * source's first complete window after it) to now, so a verdict rests on everything the step saw.
   * Counter-based sources add up their windows since their previous call for the same route,
   * revision and step; the first call only sets the baseline and returns empty.
   *
   * @return empty when there is no complete window yet (no verdict is drawn from that)
   * @throws MetricsUnavailableException when the source cannot be read at all
   */
  Optional<CanaryWindow> collect(CanaryQuery query);

  /**
   * Called when a canary revision starts, so that counter-based sources can take their baseline and
   * the first analysis already covers a full interval. Query-based sources ignore it.
   */
  default void begin(CanaryQuery query) {}

  /**
   * Where a counter-based source's next window for the query's route starts, for the route's status
   * to keep with the step's sums (so that a restarted operator counts its first window); empty from
   * a source that asks for its figures afresh every time, or that has none yet.
   */
  default Optional<Baselines> baselines(CanaryQuery query) {
    return Optional.empty();
  }

  /**
   * The route's canary is over (promoted, rolled back, cancelled) or the route was deleted: drops
   * whatever the source keeps for it (baselines, step sums, where a step's window starts, a scrape
   * interval read), which nothing reads again: a canary that starts later takes a new baseline
   * ({@link #begin}). Without it an operator's memory grew with every route that ever ran a canary.
   */
  default void forget(String namespace, String route) {}

  /**
   * What the source keeps for the route now (baselines, step sums, where a step's window starts),
   * put back by the returned action: planning a rollout whose table is then not published (too
   * large, rejected, the write failed) must leave the source as it found it. A canary start that
   * was not published took a baseline that closed the running step's window, and its requests were
   * lost to that step when it went on.
   */
  default Runnable checkpoint(String namespace, String route) {
    return () -> {};
  }

  /** The source could not be read (no endpoints, connection refused, bad answer, ...). */
  final class MetricsUnavailableException extends RuntimeException {
    public MetricsUnavailableException(String message) {
      super(message);
    }

    public MetricsUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
