package dev.switchboard.gateway.routing.strategy;

/**
 * What one target (or route) looked like over a stats window. Figures without samples are null.
 *
 * @param requests finished requests in the window
 * @param errorRate share of them that did not succeed, 0..1
 * @param ttftP50Ms median time to first token of streams
 * @param ttftP95Ms 95th percentile time to first token of streams
 * @param tokensPerSecond mean output tokens per second of streams
 * @param costPer1kRequestsUsd average cost of 1,000 requests in USD
 * @param latencyP95Ms 95th percentile of the whole request's duration (streams and JSON answers)
 * @param tokenMix the mean tokens of requests that reported usage; null without any
 * @param stale true when the window held no sample and these are the last figures seen (routing
 *     keeps a target's last figures for a while rather than forgetting what it was like)
 */
public record TargetFigures(
    int requests,
    double errorRate,
    Double ttftP50Ms,
    Double ttftP95Ms,
    Double tokensPerSecond,
    double costPer1kRequestsUsd,
    Double latencyP95Ms,
    TokenMix tokenMix,
    boolean stale) {

  /** A target nothing is known about yet. */
  public static final TargetFigures NONE =
      new TargetFigures(0, 0, null, null, null, 0, null, null, false);

  /** Figures without latency, token mix and staleness (the stats document's original set). */
  public TargetFigures(
      int requests,
      double errorRate,
      Double ttftP50Ms,
      Double ttftP95Ms,
      Double tokensPerSecond,
      double costPer1kRequestsUsd) {
    this(
        requests,
        errorRate,
        ttftP50Ms,
        ttftP95Ms,
        tokensPerSecond,
        costPer1kRequestsUsd,
        null,
        null,
        false);
  }

  /**
   * The latency a latency strategy ranks by: TTFT p95 when streams were seen (what a user waits for
   * before text appears), else the whole request's p95; null when neither is known.
   */
  public Double rankingLatencyMs() {
    return ttftP95Ms != null ? ttftP95Ms : latencyP95Ms;
  }

  /** The same figures marked as the last ones seen. */
  public TargetFigures asStale() {
    return new TargetFigures(
        requests,
        errorRate,
        ttftP50Ms,
        ttftP95Ms,
        tokensPerSecond,
        costPer1kRequestsUsd,
        latencyP95Ms,
        tokenMix,
        true);
  }

  /**
   * Mean tokens per request as the provider reported them: input (cached ones included), the cached
   * part of the input, output, and the part of the input written to the provider's prompt cache.
   */
  public record TokenMix(
      double inputTokens,
      double cachedInputTokens,
      double outputTokens,
      double cacheWriteInputTokens) {

    /** A mix without cache writes. */
    public TokenMix(double inputTokens, double cachedInputTokens, double outputTokens) {
      this(inputTokens, cachedInputTokens, outputTokens, 0);
    }

    /**
     * The mix a price is compared on before anything was observed: a short chat turn (1,000 input
     * tokens, 250 output), so output-heavy and input-heavy price lists both count.
     */
    public static final TokenMix DEFAULT = new TokenMix(1000, 0, 250);
  }
}
