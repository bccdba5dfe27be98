package dev.switchboard.bench;

/**
 * What one closed-loop run produced.
 *
 * @param target the target's name
 * @param concurrency requests kept in flight
 * @param requests completed requests (successes and failures)
 * @param errors requests that failed or answered other than 200
 * @param elapsedSeconds wall time of the run
 * @param latencies latency of every successful request
 * @param firstError a description of the first failure, or null
 */
public record LoadResult(
    String target,
    int concurrency,
    long requests,
    long errors,
    double elapsedSeconds,
    LatencySamples latencies,
    String firstError) {

  /** Successful requests per second. */
  public double rps() {
    return elapsedSeconds <= 0 ? 0 : (requests - errors) / elapsedSeconds;
  }
}
