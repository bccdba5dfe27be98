package dev.switchboard.gateway.state;

import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;

/**
 * The outage discipline of one user of the gateway's Redis (the state store, the shared cache):
 * every command has a deadline; a failure of the store — no answer in time, a lost connection, an
 * error reply that refuses every command ({@link #storeWide}) — marks it down for {@link
 * #RETRY_AFTER_MS} ms, during which calls fail at once without a command (nothing waits on a dead
 * Redis), and the first call after that tries again, so the user recovers by itself. Only an answer
 * to a command sent after the failure brings the store back: a late answer to one that missed its
 * deadline (or was sent before the failure) says nothing of the store now. An error reply about one
 * command (a key holding another type, a script error) fails that call only: Redis answered, so
 * after a rest it brings the store back as an answer does. A store-wide error reply ({@code
 * LOADING}, {@code BUSY}, {@code NOAUTH}, …) is an outage, also to a probe: another rest, and the
 * next probe when it is over. Refusals are logged at most once per {@link #RETRY_AFTER_MS} ms with
 * a count of the rest, since one damaged key may refuse every request that touches it. Start-up is
 * no outage: until Redis first answers (for at most {@link #STARTUP_GRACE_MS} ms from the first
 * command) a missed deadline fails its command alone, as the first commands wait for the
 * connection.
 */
public final class RedisGuard {

  /** How long the store is left alone after a failure before it is tried again. */
  public static final long RETRY_AFTER_MS = 1_000;

  /**
   * How long after its first command a store that never answered yet is still starting: a command
   * that misses its deadline then fails alone, without marking the store down. The first command of
   * a fresh gateway connects, authenticates and loads the client's classes: about 0.5 s against a
   * loopback redis-server on a busy two-core machine, ten times the shared cache's deadline, where
   * a warm command takes a millisecond. Counted as an outage, that start cost a second of cache
   * misses (or of consumer outage policies) for a store that was only connecting. Bounded, so a
   * Redis that accepts connections and never answers is an outage after it.
   */
  public static final long STARTUP_GRACE_MS = 5_000;

  /**
   * Error replies that say Redis cannot serve any command now, whichever key it touches: out of
   * memory, loading, busy with a script, a read-only replica, no primary or cluster, a failed
   * snapshot, missing replicas, authentication or permission, a cluster redirection this client
   * does not follow, too many clients, a command this Redis does not have (renamed away, or too old
   * a version; also one a script calls). Inside a script Redis wraps them ({@code ERR Error running
   * script …: -OOM command not allowed …}), so they are looked for anywhere in the message.
   */
  private static final Pattern STORE_ERROR =
      Pattern.compile(
          "(?:^|[\\s:-])(?:OOM|LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|MISCONF|NOREPLICAS"
              + "|NOAUTH|WRONGPASS|NOPERM|MOVED|ASK|TRYAGAIN)\\b|max number of clients"
              + "|(?i:unknown (?:redis )?command)");

  /**
   * The error codes that can be about one command or key rather than the server: the generic {@code
   * ERR} (a script's own error, a value that is not a number), a key of another type, a key that
   * exists, keys of several slots, a script this Redis does not know yet, an aborted transaction.
   * Any other code says the server cannot serve (those above, and the ones no list here names: a
   * newer Redis's, a managed service's), so it is the store's failure.
   */
  private static final java.util.Set<String> ONE_COMMAND_CODES =
      java.util.Set.of("ERR", "WRONGTYPE", "BUSYKEY", "CROSSSLOT", "NOSCRIPT", "EXECABORT");

  /**
   * The code of an error reply (its first word), and the codes of errors a script's error wraps
   * ({@code @user_script: 1: -OOM …} in Redis 6, {@code @user_script:1: WRONGTYPE …}).
   */
  private static final Pattern ERROR_CODE =
      Pattern.compile("(?:^|@user_script: ?\\d+: -?)([A-Z][A-Z_]+)(?=\\s|$)");

  private final GatewayClock clock;
  private final long timeoutMs;
  private final Throwable unavailable;
  private final Throwable unsent;
  private final Logger log;
  private final String what;
  private final String whileDown;
  private final String refusedMeans;
  private final Runnable onDown;

  private volatile long downUntilNanos;
  private volatile boolean down;

  /** Whether Redis ever answered a command of this guard (start-up is over). */
  private volatile boolean answered;

  /** When the first command was sent, on {@link #clock}; {@link #NOT_YET} before. */
  private final AtomicLong firstSentNanos = new AtomicLong(NOT_YET);

  private static final long NOT_YET = Long.MIN_VALUE;

  /** Whether a start-up miss was logged (once: a store still connecting is no outage). */
  private final java.util.concurrent.atomic.AtomicBoolean startupMissLogged =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * How many times the store was marked down: a command's answer brings the store back only when no
   * failure marked it down after the command was sent (a late answer to a command sent before the
   * failure says nothing of the store now).
   */
  private final AtomicLong outages = new AtomicLong();

  /** Sent by the guard itself to find out whether the store answers again (null: never). */
  private volatile Supplier<? extends Future<?>> probe;

  /** Completed when the store is up again; null while nobody waits for that. Guarded by this. */
  private Promise<Void> back;

  /** The timer of the next probe, or {@link #NO_TIMER}. Guarded by this. */
  private long probeTimer = NO_TIMER;

  /** Set by {@link #stopProbing()}. Guarded by this. */
  private boolean closed;

  private static final long NO_TIMER = -1;

  /** When the next refusal may be logged, and how many were refused meanwhile. */
  private final AtomicLong nextRefusalLogNanos = new AtomicLong(Long.MIN_VALUE);

  private final AtomicLong refusalsNotLogged = new AtomicLong();

  /**
   * @param timeoutMs every command's deadline
   * @param unavailable what a call fails with when the store fails, is down, or refuses it
   * @param what the store, for the log ("the shared state store")
   * @param whileDown what holds while it is down, for the log
   * @param refusedMeans what a refused command means for its request, for the log
   * @param onDown run each time the store is marked down (e.g. drop connections that may never say
   *     they stopped answering)
   */
  public RedisGuard(
      GatewayClock clock,
      long timeoutMs,
      Throwable unavailable,
      Logger log,
      String what,
      String whileDown,
      String refusedMeans,
      Runnable onDown) {
    this(clock, timeoutMs, unavailable, unavailable, log, what, whileDown, refusedMeans, onDown);
  }

  /**
   * As the other constructor, with {@code unsent}: what a call fails with when it is not sent at
   * all because the store is down (so nothing of it ran in Redis, which a caller holding units may
   * need to know: they are still its own).
   */
  public RedisGuard(
      GatewayClock clock,
      long timeoutMs,
      Throwable unavailable,
      Throwable unsent,
      Logger log,
      String what,
      String whileDown,
      String refusedMeans,
      Runnable onDown) {
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.unavailable = unavailable;
    this.unsent = unsent;
    this.log = log;
    this.what = what;
    this.whileDown = whileDown;
    this.refusedMeans = refusedMeans;
    this.onDown = onDown;
  }

  /** Sends {@code command} under the discipline (see the class). */
  public <T> Future<T> run(Supplier<Future<T>> command) {
    // Read before down: markDown sets down before it counts the outage.
    long sentAfter = outages.get();
    if (down && clock.nanoTime() < downUntilNanos) {
      return Future.failedFuture(unsent);
    }
    // Once Redis answered (nearly always), start-up costs one volatile read per command.
    boolean starting = !answered && startingUp();
    Promise<T> promise = Promise.promise();
    long timer =
        clock.setTimer(
            timeoutMs,
            id -> {
              if (promise.future().isComplete()) {
                return;
              }
              if (starting && !answered) {
                startupMiss();
              } else {
                // Down before the call fails: whoever the failure reaches sees the store down.
                markDown("no answer within " + timeoutMs + " ms");
              }
              promise.tryFail(unavailable);
            });
    command
        .get()
        .onComplete(
            ar -> {
              clock.cancelTimer(timer);
              if (!answered && (ar.succeeded() || !storeWide(ar.cause()))) {
                answered = true; // also a late answer: the store was only starting
              }
              if (ar.succeeded()) {
                // Only an answer to a command sent since the last failure (after its rest, as
                // commands are not sent during it) brings the store back: a late answer to one
                // that missed its deadline or was sent before the failure may come from a store
                // that is still failing.
                if (down) {
                  markUp(sentAfter);
                }
                promise.tryComplete(ar.result());
              } else if (!promise.future().isComplete()) {
                Throwable cause = ar.cause();
                if (storeWide(cause)) {
                  markDown(cause.getClass().getSimpleName() + ": " + cause.getMessage());
                } else {
                  refused(cause.getMessage());
                  // Refusing this one command, Redis answered: a store that does so after its
                  // rest is up (a probe refused so, too, so waiters need not wait a rest more).
                  if (down) {
                    markUp(sentAfter);
                  }
                }
                promise.tryFail(unavailable);
              }
            });
    return promise.future();
  }

  /**
   * Whether a command sent now is one of the store's start: none was answered yet, and the first
   * was sent less than {@link #STARTUP_GRACE_MS} ago (or is this one).
   */
  private boolean startingUp() {
    long now = clock.nanoTime();
    if (firstSentNanos.get() == NOT_YET && firstSentNanos.compareAndSet(NOT_YET, now)) {
      return true;
    }
    return now - firstSentNanos.get() < STARTUP_GRACE_MS * 1_000_000;
  }

  /** A command of the store's start missed its deadline: it fails alone, the store stays up. */
  private void startupMiss() {
    if (startupMissLogged.compareAndSet(false, true)) {
      log.info(
          "{} has not answered its first commands within {} ms (still connecting at start); those"
              + " fail alone and it stays in use until it answers (for up to {} ms)",
          what,
          timeoutMs,
          STARTUP_GRACE_MS);
    }
  }

  /** Whether the last command failed and the store is being left alone for a moment. */
  public boolean down() {
    return down;
  }

  /**
   * Lets the guard send {@code probe} (a command that touches no data, e.g. {@code PING}) when its
   * rest is over while something waits for {@link #whenUp()}, so a store that is back is known to
   * be back without waiting for other traffic.
   */
  public void probeWith(Supplier<? extends Future<?>> probe) {
    this.probe = probe;
  }

  /**
   * Completes when the store is up: at once unless it is down; otherwise when a command sent after
   * its rest is answered — with a {@link #probeWith probe} the guard sends one itself as soon as
   * the rest is over (and again after each further rest), so this does not wait for other traffic.
   */
  public Future<Void> whenUp() {
    synchronized (this) {
      if (!down) {
        return Future.succeededFuture();
      }
      if (back == null) {
        back = Promise.promise();
      }
      scheduleProbe(false);
      return back.future();
    }
  }

  /** Sends no more probes (the store is closing); {@link #whenUp()} waiters are left waiting. */
  public void stopProbing() {
    synchronized (this) {
      closed = true;
      if (probeTimer != NO_TIMER) {
        clock.cancelTimer(probeTimer);
        probeTimer = NO_TIMER;
      }
    }
  }

  /**
   * Sets the probe's timer for the end of the rest (or a rest from now after a probe that failed
   * without starting a new rest, which only a failure marking the store down again while it was
   * refused can leave), unless one is set, nobody waits, there is no probe, or the store is
   * closing. Called holding this.
   */
  private void scheduleProbe(boolean afterRefusal) {
    if (probe == null || back == null || closed || probeTimer != NO_TIMER) {
      return;
    }
    long restNanos = downUntilNanos - clock.nanoTime();
    long delayMs =
        restNanos > 0
            ? (restNanos + 999_999) / 1_000_000
            : afterRefusal ? RETRY_AFTER_MS : 1; // a rest over already: at once
    probeTimer = clock.setTimer(delayMs, id -> probeNow());
  }

  private void probeNow() {
    Supplier<? extends Future<?>> command;
    synchronized (this) {
      probeTimer = NO_TIMER;
      if (!down || back == null || closed) {
        return;
      }
      if (clock.nanoTime() - downUntilNanos < 0) {
        scheduleProbe(false); // marked down again meanwhile: the new rest first
        return;
      }
      command = probe;
    }
    this.<Void>run(() -> command.get().mapEmpty())
        .onFailure(
            err -> {
              synchronized (this) {
                // A failure marked the store down again and set the next probe; a refusal brought
                // the store back unless a failure marked it down meanwhile (which set one too).
                scheduleProbe(true);
              }
            });
  }

  /**
   * Whether {@code failure} is the store's rather than one command's: anything but an error reply
   * (a deadline, a closed connection, a refused connect), and an error reply — found along the
   * causes, as a script's explained error wraps it — that names a condition of the server or has a
   * code (its own, or one a script's error wraps) that is not about one command or key ({@link
   * #ONE_COMMAND_CODES}): a server error no list foresaw is an outage, with its documented policy,
   * not a refusal of each request that meets it.
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
    if (message == null || STORE_ERROR.matcher(message).find()) {
      return true;
    }
    Matcher code = ERROR_CODE.matcher(message);
    while (code.find()) {
      if (!ONE_COMMAND_CODES.contains(code.group(1))) {
        return true;
      }
    }
    return false;
  }

  private void markDown(String why) {
    boolean wasDown;
    synchronized (this) {
      downUntilNanos = clock.nanoTime() + RETRY_AFTER_MS * 1_000_000;
      wasDown = down;
      down = true;
      outages.incrementAndGet();
      scheduleProbe(false);
    }
    onDown.run();
    if (!wasDown) {
      // The cause only: never the address (it may hold a password), never a key or a value.
      log.warn("{} is unavailable ({}); {}", what, why, whileDown);
    }
  }

  /** Marks the store up, unless a failure marked it down since {@code sentAfter} outages. */
  private void markUp(long sentAfter) {
    Promise<Void> waiting;
    synchronized (this) {
      if (!down || outages.get() != sentAfter) {
        return;
      }
      down = false;
      waiting = back;
      back = null;
      if (probeTimer != NO_TIMER) {
        clock.cancelTimer(probeTimer);
        probeTimer = NO_TIMER;
      }
    }
    log.info("{} answers again", what);
    if (waiting != null) {
      waiting.complete();
    }
  }

  private void refused(String why) {
    long now = clock.nanoTime();
    long next = nextRefusalLogNanos.get();
    if ((next != Long.MIN_VALUE && now - next < 0)
        || !nextRefusalLogNanos.compareAndSet(next, now + RETRY_AFTER_MS * 1_000_000)) {
      refusalsNotLogged.incrementAndGet();
      return;
    }
    long more = refusalsNotLogged.getAndSet(0);
    log.warn(
        "Redis refused a command of {} ({}){}; {}",
        what,
        why,
        more == 0 ? "" : " and " + more + " more since the last such line",
        refusedMeans);
  }
}
