package dev.switchboard.gateway.cache;

import dev.switchboard.gateway.state.RedisGuard;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared store's side of {@code cache.shared: true}: GET and {@code SET … PX} of sealed answers
 * ({@link AnswerCodec}) on the gateway's Redis connection (the one the consumer state store uses).
 * The cache never fails a request: every command has a deadline (a fifth of the state store's,
 * {@value #COMMAND_TIMEOUT_MS} ms by default: shorter since a miss is always a safe answer), and a
 * failure or a missed deadline makes lookups misses and stores no-ops for {@value
 * RedisGuard#RETRY_AFTER_MS} ms without touching Redis, after which the next command tries again.
 * Nothing waits on a dead Redis. An error reply about one command (an entry's key holding another
 * type) makes that lookup a miss only ({@link RedisGuard}).
 */
public final class SharedAnswers {

  private static final Logger LOG = LoggerFactory.getLogger(SharedAnswers.class);

  /**
   * The longest a lookup waits with the state store's default deadline: loopback or a same-zone
   * Redis answers in about a millisecond.
   */
  static final long COMMAND_TIMEOUT_MS = RedisStateStore.DEFAULT_COMMAND_TIMEOUT_MS / 5;

  /** The cache's deadline for a state store whose commands wait at most {@code storeTimeoutMs}. */
  public static long commandTimeoutFor(long storeTimeoutMs) {
    return Math.max(1, storeTimeoutMs / 5);
  }

  /** What a lookup or store fails with while the cache cannot be used (a miss to its caller). */
  private static final IllegalStateException UNAVAILABLE =
      new IllegalStateException("shared cache unavailable");

  /** Larger answers are kept only in the replica's near cache. */
  public static final int MAX_VALUE_BYTES = 512 * 1024;

  private final Redis redis;
  private final String prefix;

  /** Deadlines, outages and refused commands ({@link RedisGuard}). */
  private final RedisGuard guard;

  /**
   * @param prefix put in front of every key (the state store's prefix, so one Redis can serve the
   *     gateways of several namespaces)
   */
  public SharedAnswers(Redis redis, GatewayClock clock, String prefix) {
    this(redis, clock, prefix, COMMAND_TIMEOUT_MS);
  }

  /**
   * @param commandTimeoutMs the longest one command may take ({@link #commandTimeoutFor})
   */
  public SharedAnswers(Redis redis, GatewayClock clock, String prefix, long commandTimeoutMs) {
    this.redis = redis;
    this.guard =
        new RedisGuard(
            clock,
            commandTimeoutMs,
            UNAVAILABLE,
            LOG,
            "the shared cache",
            "lookups are misses until it answers",
            "that lookup is a miss, the cache stays in use",
            () -> {});
    this.prefix = prefix == null ? "" : prefix;
  }

  /** The store key of an exact key: a hash only. */
  String name(String exactKey) {
    return AnswerCodec.name(prefix, exactKey);
  }

  /** The bytes under {@code name}, or null (absent, or the store cannot answer now). */
  Future<byte[]> get(String name) {
    return guarded(Request.cmd(Command.GET).arg(name))
        .map(r -> r == null ? null : r.toBytes())
        .otherwise((byte[]) null);
  }

  /** Stores {@code value} under {@code name} for {@code ttlMs}; a failure is only noted. */
  void set(String name, byte[] value, long ttlMs) {
    if (value.length > MAX_VALUE_BYTES) {
      return;
    }
    guarded(Request.cmd(Command.SET).arg(name).arg(value).arg("PX").arg(Math.max(1, ttlMs)));
  }

  /** Whether the last command failed and the store is being left alone for a moment. */
  public boolean unavailable() {
    return guard.down();
  }

  private Future<io.vertx.redis.client.Response> guarded(Request request) {
    return guard.run(() -> redis.send(request));
  }
}
