package dev.switchboard.gateway.cache;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import java.util.List;

/**
 * One stored answer: a complete JSON answer ({@link #json} and its {@link #summary}) or a complete
 * stream ({@link #events}, the upstream's event data in order up to its final event), with what it
 * cost and took when it was produced.
 *
 * @param format the wire format of the stored body or events (replayed through the same adapter
 *     decoder and front door encoder as the original)
 * @param provider the provider whose adapter decodes the stored events again on replay
 * @param servedVersion the model version the upstream named, or null
 * @param costUsd what the original answer cost (what a hit saves), or null when unpriced
 * @param latencyMs how long the original took end to end (what a hit saves)
 * @param text the text the semantic cache embedded, for the lexical guards (null for exact-only)
 * @param unhonoured the parameters the attempt that produced it was not sent as asked (what its
 *     adapter reported, {@code RequestContext#attemptUnhonoured}): a hit says the same
 * @param responseId the id of the stored Response this answer is (passed through from a Responses
 *     target with {@code store} on), which a hit hands out again; null for every other answer. Once
 *     that response is deleted the answer is no longer served.
 */
public record CachedAnswer(
    byte[] json,
    ReplySummary summary,
    List<String> events,
    Operation format,
    RoutingTable.Provider provider,
    String targetId,
    String servedVersion,
    TokenUsage usage,
    Double costUsd,
    double latencyMs,
    long storedAtMillis,
    String partition,
    String text,
    List<String> unhonoured,
    String responseId) {

  /** An answer that is no stored Response. */
  public CachedAnswer(
      byte[] json,
      ReplySummary summary,
      List<String> events,
      Operation format,
      RoutingTable.Provider provider,
      String targetId,
      String servedVersion,
      TokenUsage usage,
      Double costUsd,
      double latencyMs,
      long storedAtMillis,
      String partition,
      String text,
      List<String> unhonoured) {
    this(
        json,
        summary,
        events,
        format,
        provider,
        targetId,
        servedVersion,
        usage,
        costUsd,
        latencyMs,
        storedAtMillis,
        partition,
        text,
        unhonoured,
        null);
  }

  /** An answer whose attempt sent every parameter as asked. */
  public CachedAnswer(
      byte[] json,
      ReplySummary summary,
      List<String> events,
      Operation format,
      RoutingTable.Provider provider,
      String targetId,
      String servedVersion,
      TokenUsage usage,
      Double costUsd,
      double latencyMs,
      long storedAtMillis,
      String partition,
      String text) {
    this(
        json,
        summary,
        events,
        format,
        provider,
        targetId,
        servedVersion,
        usage,
        costUsd,
        latencyMs,
        storedAtMillis,
        partition,
        text,
        List.of());
  }

  /** Whether this is a stored stream. */
  public boolean stream() {
    return events != null;
  }

  /** Approximate heap bytes the entry holds (for the byte bound and the per-entry figure). */
  public long bytes() {
    long n = 160; // record, usage, summary objects and references
    if (json != null) {
      n += 16 + json.length;
    }
    if (events != null) {
      for (String e : events) {
        n += 56 + e.length(); // String object + Latin-1 backing array (JSON is mostly ASCII)
      }
    }
    if (text != null) {
      n += 56 + 2L * text.length();
    }
    if (responseId != null) {
      n += 56 + responseId.length();
    }
    for (String param : unhonoured) {
      n += 56 + param.length(); // none (a shared empty list) for nearly every answer
    }
    return n + 2 * 64 + 2 * 56; // the two hex keys
  }
}
