package dev.switchboard.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token counts of one response as the upstream reported them in its {@code usage} object.
 *
 * @param inputTokens all input, cache reads and cache writes included (what clients are shown)
 * @param cachedInputTokens of {@code inputTokens}, those read from the provider's prompt cache
 * @param reasoningTokens of {@code outputTokens}, those the model spent thinking ({@code
 *     completion_tokens_details.reasoning_tokens}; Gemini's {@code thoughtsTokenCount}); 0 when not
 *     reported
 * @param cacheWriteInputTokens of {@code inputTokens}, those written to the provider's prompt cache
 *     (Anthropic's {@code cache_creation_input_tokens}), billed at the cache-write price; 0 for
 *     providers that do not report them
 */
public record TokenUsage(
    long inputTokens,
    long outputTokens,
    long cachedInputTokens,
    long reasoningTokens,
    long cacheWriteInputTokens) {

  /** Counts without cache writes. */
  public TokenUsage(
      long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens) {
    this(inputTokens, outputTokens, cachedInputTokens, reasoningTokens, 0);
  }

  /** Counts without reasoning tokens or cache writes. */
  public TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens) {
    this(inputTokens, outputTokens, cachedInputTokens, 0, 0);
  }

  /** Reads an OpenAI {@code usage} object; null when there is none. */
  public static TokenUsage fromUsageNode(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    long input = usage.path("prompt_tokens").asLong(0);
    long output = usage.path("completion_tokens").asLong(0);
    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
    return new TokenUsage(input, output, cached, reasoning);
  }
}
