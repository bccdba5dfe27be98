package dev.switchboard.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;

/** Token counts of one response as the upstream reported them in its {@code usage} object. */
public record TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens) {

  /** Reads an OpenAI {@code usage} object; null when there is none. */
  public static TokenUsage fromUsageNode(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    long input = usage.path("prompt_tokens").asLong(0);
    long output = usage.path("completion_tokens").asLong(0);
    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    return new TokenUsage(input, output, cached);
  }
}
