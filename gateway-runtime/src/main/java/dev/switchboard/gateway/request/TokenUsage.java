package dev.switchboard.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token counts of one response as the upstream reported them in its {@code usage} object.
 *
 * @param reasoningTokens of {@code outputTokens}, those the model spent thinking ({@code
 *     completion_tokens_details.reasoning_tokens}; Gemini's {@code thoughtsTokenCount}); 0 when not
 *     reported
 */
public record TokenUsage(
    long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens) {

  /** Counts without reasoning tokens. */
  public TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens) {
    this(inputTokens, outputTokens, cachedInputTokens, 0);
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
