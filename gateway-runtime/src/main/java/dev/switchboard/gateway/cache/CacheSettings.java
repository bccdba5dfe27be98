package dev.switchboard.gateway.cache;

import dev.switchboard.contract.RoutingTable;

/**
 * A route policy's {@code cache} block with the API's defaults filled in (exact: 10 min, 10,000
 * entries; semantic: threshold 0.95, 1 h, 50,000 entries, builtin all-MiniLM-L6-v2, last user
 * message; {@code maxTemperature} 0.3).
 *
 * @param conversation whether the semantic cache embeds the whole conversation ({@code messages:
 *     conversation}) instead of the last user message
 * @param embedderMaxInputTokens a provider embedder's input limit as the policy states it ({@code
 *     embedder.maxInputTokens}); null when it states none (or one outside 1–131,072, which the
 *     operator never renders), then {@link EmbeddingInputLimit}'s bound for the provider's kind
 */
public record CacheSettings(
    boolean exact,
    long exactTtlMs,
    int exactMaxEntries,
    boolean semantic,
    double threshold,
    long semanticTtlMs,
    int semanticMaxEntries,
    String embedder,
    double maxTemperature,
    boolean conversation,
    boolean shared,
    Integer embedderMaxInputTokens) {

  public static final double DEFAULT_THRESHOLD = 0.95;
  public static final double DEFAULT_MAX_TEMPERATURE = 0.3;
  public static final String BUILTIN_MINILM = "builtin:all-minilm-l6-v2";

  /** The settings of {@code cache}, or null when neither cache is enabled. */
  public static CacheSettings of(RoutingTable.Cache cache) {
    if (cache == null
        || !(Boolean.TRUE.equals(cache.exactEnabled())
            || Boolean.TRUE.equals(cache.semanticEnabled()))) {
      return null;
    }
    return new CacheSettings(
        Boolean.TRUE.equals(cache.exactEnabled()),
        or(cache.exactTtlMs(), 600_000L),
        or(cache.exactMaxEntries(), 10_000),
        Boolean.TRUE.equals(cache.semanticEnabled()),
        or(cache.semanticSimilarityThreshold(), DEFAULT_THRESHOLD),
        or(cache.semanticTtlMs(), 3_600_000L),
        or(cache.semanticMaxEntries(), 50_000),
        cache.semanticEmbedder() == null ? BUILTIN_MINILM : cache.semanticEmbedder(),
        or(cache.maxTemperature(), DEFAULT_MAX_TEMPERATURE),
        "conversation".equals(cache.semanticMessages()),
        Boolean.TRUE.equals(cache.shared()),
        statedLimit(cache.semanticEmbedderMaxInputTokens()));
  }

  /**
   * Whether {@code other} keeps what an exact store's entries depend on: the exact cache on, with
   * the same TTL, size and sharing, and the same {@code maxTemperature} (which requests are looked
   * up and stored at all). Only the semantic settings (embedder, threshold, messages, semantic TTL
   * and size) may differ: an exact entry is keyed by the request alone, never by a vector.
   */
  public boolean sameExact(CacheSettings other) {
    return other != null
        && exact
        && other.exact
        && exactTtlMs == other.exactTtlMs
        && exactMaxEntries == other.exactMaxEntries
        && shared == other.shared
        && Double.compare(maxTemperature, other.maxTemperature) == 0;
  }

  private static Integer statedLimit(Integer tokens) {
    return tokens != null && tokens >= 1 && tokens <= RoutingTable.Cache.MAX_EMBEDDER_INPUT_TOKENS
        ? tokens
        : null;
  }

  private static <T> T or(T value, T fallback) {
    return value == null ? fallback : value;
  }
}
