package dev.switchboard.gateway.responses;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * This replica's memory of response ids: a bounded Caffeine cache on the gateway clock. Bounded so
 * a flood of requests cannot grow it without limit (the oldest ids go first); entries expire after
 * 30 days, as long as OpenAI keeps a stored response.
 */
public final class LocalResponseLocations implements ResponseLocations {

  /** How many response ids a replica remembers by default (about 200 bytes each). */
  public static final long DEFAULT_MAX_ENTRIES = 100_000;

  /** How long an id is remembered: OpenAI keeps stored responses for 30 days. */
  public static final Duration DEFAULT_TTL = Duration.ofDays(30);

  private final Cache<String, ResponseLocation> ids;

  public LocalResponseLocations(GatewayClock clock) {
    this(clock, DEFAULT_MAX_ENTRIES, DEFAULT_TTL);
  }

  public LocalResponseLocations(GatewayClock clock, long maxEntries, Duration ttl) {
    this.ids =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .expireAfterWrite(ttl)
            .ticker(clock::nanoTime)
            .executor(Runnable::run) // evictions inline: no ForkJoinPool work per request
            .build();
  }

  @Override
  public void remember(String responseId, ResponseLocation location) {
    ids.put(responseId, location);
  }

  @Override
  public Future<ResponseLocation> find(String responseId) {
    return Future.succeededFuture(ids.getIfPresent(responseId));
  }

  @Override
  public void forget(String responseId) {
    ids.invalidate(responseId);
  }
}
