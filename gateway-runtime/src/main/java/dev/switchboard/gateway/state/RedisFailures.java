package dev.switchboard.gateway.state;

import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;

/**
 * How a failed Redis command is told, for every user of the gateway's Redis (the state store, the
 * shared cache): a failure of the store, which stops it being used for a moment, or a refusal of
 * that one command, which the store keeps answering after. And the refusals' log, at most one line
 * per {@link #LOG_EVERY_MS} ms with a count of the rest: one damaged key may refuse every request
 * that touches it.
 */
public final class RedisFailures {

  /** The least time between two logged refusals. */
  static final long LOG_EVERY_MS = 1_000;

  /**
   * Error replies that say Redis cannot serve any command now, whichever key it touches: out of
   * memory, loading, busy with a script, a read-only replica, no primary or cluster, a failed
   * snapshot, missing replicas, authentication or permission, a cluster redirection this client
   * does not follow, too many clients. Inside a script Redis wraps them ({@code ERR Error running
   * script …: -OOM command not allowed …}), so they are looked for anywhere in the message.
   */
  private static final Pattern STORE_ERROR =
      Pattern.compile(
          "(?:^|[\\s:-])(?:OOM|LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|MISCONF|NOREPLICAS"
              + "|NOAUTH|WRONGPASS|NOPERM|MOVED|ASK|TRYAGAIN)\\b|max number of clients");

  private final GatewayClock clock;
  private final Logger log;
  private final String consequence;

  /** When the next refusal may be logged, and how many were refused meanwhile. */
  private final AtomicLong nextLogNanos = new AtomicLong(Long.MIN_VALUE);

  private final AtomicLong notLogged = new AtomicLong();

  /**
   * @param log where refusals are logged
   * @param consequence what a refusal means for the request, for the log line
   */
  public RedisFailures(GatewayClock clock, Logger log, String consequence) {
    this.clock = clock;
    this.log = log;
    this.consequence = consequence;
  }

  /**
   * Whether {@code failure} is the store's rather than one command's: anything but an error reply
   * (a deadline, a closed connection, a refused connect), and an error reply — found along the
   * causes, as a script's explained error wraps it — that names a condition of the server.
   */
  public static boolean storeWide(Throwable failure) {
    Throwable reply = failure;
    while (reply != null && !(reply instanceof Response)) {
      reply = reply.getCause();
    }
    if (!(reply instanceof Response r) || r.type() != ResponseType.ERROR) {
      return true;
    }
    String message = reply.getMessage();
    return message == null || STORE_ERROR.matcher(message).find();
  }

  /** Logs a command Redis refused ({@code why}: its error; never a key or value of the caller). */
  public void refused(String why) {
    long now = clock.nanoTime();
    long next = nextLogNanos.get();
    if ((next != Long.MIN_VALUE && now - next < 0)
        || !nextLogNanos.compareAndSet(next, now + LOG_EVERY_MS * 1_000_000)) {
      notLogged.incrementAndGet();
      return;
    }
    long more = notLogged.getAndSet(0);
    log.warn(
        "Redis refused a command ({}){}; {}",
        why,
        more == 0 ? "" : " and " + more + " more since the last such line",
        consequence);
  }
}
