package dev.switchboard.gateway.routing.strategy;

/**
 * What one target (or route) looked like over the stats window. Figures without samples are null.
 *
 * @param requests finished requests in the window
 * @param errorRate share of them that did not succeed, 0..1
 * @param ttftP50Ms median time to first token of streams
 * @param ttftP95Ms 95th percentile time to first token of streams
 * @param tokensPerSecond mean output tokens per second of streams
 * @param costPer1kRequestsUsd average cost of 1,000 requests in USD
 */
public record TargetFigures(
    int requests,
    double errorRate,
    Double ttftP50Ms,
    Double ttftP95Ms,
    Double tokensPerSecond,
    double costPer1kRequestsUsd) {

  /** A target nothing is known about yet. */
  public static final TargetFigures NONE = new TargetFigures(0, 0, null, null, null, 0);
}
