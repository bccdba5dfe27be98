package dev.switchboard.gateway.resilience;

import dev.switchboard.gateway.state.StoreUnavailableException;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider quota ({@code quota.requestsPerMinute} or {@code quota.tokensPerMinute}): without a
 * shared store a {@link TokenBucket} of this replica; with one, a single token bucket in the store
 * that every replica draws from in blocks (batch leases), so the quota holds across replicas
 * without a store round trip per request.
 *
 * <p>Shared counting: the replica serves requests from the units it holds and, once it holds half a
 * block or less, fetches the next block in the background, so the request path does not wait on the
 * store. The block is {@value #SHARE_PERCENT} % of the quota divided by the replicas that used it
 * in the last minute, so all replicas together never hold more than {@value #SHARE_PERCENT} % of
 * the quota: over any stretch of time the requests sent exceed what one exact shared bucket would
 * allow by at most that much, and units held by an idle replica are at most that much missing for
 * the others. When the block would be a single unit (small quotas), nothing is fetched ahead: each
 * request takes its unit from the store (concurrent requests in one call), which is exact. Tokens
 * are known only after an answer: they are charged to the held units and owed units are paid to the
 * store with the next call (at once when nothing is held). A call that gets no answer may still
 * have been applied: units it charged are sent again (counted, perhaps twice), units it gave back
 * are dropped (never returned twice) — a lost reply errs on the safe side. A call never sent (the
 * store was resting after a failure, {@link StoreUnavailableException#unsent()}) did not run: units
 * it gave back stay held and go back with the call that finds the store answering again.
 *
 * <p>Outage: while the store does not answer, requests are counted in this replica's bucket, as
 * without a store (nothing waits on a dead store: the store fails fast while it is down); each such
 * request also asks the store again, and the first answer brings shared counting back.
 */
public final class ProviderQuota {

  private static final Logger LOG = LoggerFactory.getLogger(ProviderQuota.class);

  /** What all replicas together may hold ahead, in percent of the quota. */
  static final int SHARE_PERCENT = 1;

  private static final Future<Boolean> YES = Future.succeededFuture(true);
  private static final Future<Boolean> NO = Future.succeededFuture(false);

  /** Whether a quota counts one unit per request up front, or tokens charged after the answer. */
  public enum Kind {
    REQUESTS,
    TOKENS
  }

  /**
   * One store call: {@code owed} units to charge (negative: units held beyond the block given back)
   * and {@code want} units to ask for.
   */
  private record Call(long owed, long want) {}

  private record Waiter(Promise<Boolean> promise, Context context) {}

  private final Kind kind;
  private final long perMinute;
  private final TokenBucket local;
  private final QuotaStore store;
  private final GatewayClock clock;
  private final String key;
  private final String holder;

  // Guarded by this.
  private long held;
  private long block = 1;
  private boolean inFlight;
  private boolean fallingBack;
  private boolean emptySeen;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

  /**
   * @param store where the quota is shared, or null to count on this replica only
   * @param key names the quota in the store (provider and kind)
   * @param holder this replica's id in the store
   */
  public ProviderQuota(
      Kind kind, long perMinute, GatewayClock clock, QuotaStore store, String key, String holder) {
    this.kind = kind;
    this.perMinute = perMinute;
    this.local = new TokenBucket(perMinute, clock::nanoTime);
    this.store = store;
    this.clock = clock;
    this.key = key;
    this.holder = holder;
  }

  /**
   * For a requests quota takes one unit; for a tokens quota tells whether the quota has room (the
   * tokens are charged after the answer). Completes at once while this replica holds units.
   */
  public Future<Boolean> take() {
    if (store == null) {
      return localTake() ? YES : NO;
    }
    Promise<Boolean> promise;
    Call call;
    boolean answer;
    synchronized (this) {
      if (fallingBack) {
        // Answer from this replica's bucket at once; the call below asks whether the store is back.
        answer = localTake();
        promise = null;
      } else if (hasRoom()) {
        if (kind == Kind.REQUESTS) {
          held--;
        }
        answer = true;
        promise = null;
      } else {
        answer = false;
        promise = Promise.promise();
        waiting.add(new Waiter(promise, Vertx.currentContext()));
      }
      call = nextCall(promise != null || fallingBack);
    }
    if (call != null) {
      send(call);
    }
    if (promise != null) {
      return promise.future();
    }
    return answer ? YES : NO;
  }

  /**
   * Gives back a unit taken by {@link #take()} for a request that was never sent (a target without
   * a key). Shared, it is held here again only while this replica holds a block ahead; else it goes
   * back to the store with the next call (at once when none is in flight), where every replica can
   * take it.
   */
  public void giveBack() {
    if (kind != Kind.REQUESTS) {
      return;
    }
    boolean shared;
    Call call = null;
    synchronized (this) {
      shared = store != null && !fallingBack;
      if (shared) {
        held++;
        call = nextCall(false);
      }
    }
    if (call != null) {
      send(call);
    }
    if (!shared) {
      local.giveBack();
    }
  }

  /** Charges units an answer used (tokens); they are paid to the store with its next call. */
  public void charge(long units) {
    if (units <= 0) {
      return;
    }
    Call call = null;
    boolean counted = false;
    synchronized (this) {
      if (store != null && !fallingBack) {
        held -= units;
        call = nextCall(false);
        counted = true;
      }
    }
    if (call != null) {
      send(call);
    }
    if (!counted) {
      local.charge(units);
    }
  }

  /** Whether the quota has room now as this replica sees it (status; takes nothing). */
  public synchronized boolean available() {
    if (store == null || fallingBack) {
      return kind == Kind.REQUESTS ? local.millisUntil(1) == 0 : local.available();
    }
    return hasRoom() || !emptySeen;
  }

  /**
   * About how long until the quota has room again, in milliseconds (0: it has room as this replica
   * sees it): the basis of the {@code Retry-After} of a request refused for it. Counted on this
   * replica, the bucket says exactly; shared, the store decides, so the refill of one unit.
   */
  public synchronized long millisUntilRoom() {
    if (store == null || fallingBack) {
      // A tokens quota admits while its level is positive: the time until it is above zero.
      return local.millisUntil(kind == Kind.REQUESTS ? 1 : Double.MIN_NORMAL);
    }
    return hasRoom() ? 0 : (long) Math.ceil(60_000.0 / perMinute);
  }

  /** Whether the quota is counted in the shared store right now (false: on this replica). */
  public synchronized boolean shared() {
    return store != null && !fallingBack;
  }

  /** Units this replica holds ahead (negative: owed to the store). */
  synchronized long held() {
    return held;
  }

  /** The block size this replica fetches (1: every request asks the store). */
  synchronized long block() {
    return block;
  }

  private boolean localTake() {
    return kind == Kind.REQUESTS ? local.tryTake() : local.available();
  }

  private boolean hasRoom() {
    return kind == Kind.REQUESTS ? held >= 1 : held > 0;
  }

  /**
   * The store call to make now, or null: none while one is in flight; otherwise one when units are
   * owed, this replica holds more than a block (units given back: kept here they would be missing
   * for every other replica, and with a block of one nothing is held at all), requests wait, this
   * replica holds half a block or less (and the bucket had units the last time), or {@code probe}
   * asks for one.
   */
  private Call nextCall(boolean probe) {
    if (inFlight) {
      return null;
    }
    long owed = Math.max(0, -held) - Math.max(0, held - (block >= 2 ? block : 0));
    long want = 0;
    if (!fallingBack) {
      // Not ahead of demand while the bucket is empty: that would ask the store in a loop.
      if (block >= 2 && held <= block / 2 && !emptySeen) {
        want = block - Math.max(0, held);
      }
      if (!waiting.isEmpty()) {
        want = Math.max(want, kind == Kind.REQUESTS ? waiting.size() : 1);
      }
    }
    if (owed == 0 && want == 0 && !probe) {
      return null;
    }
    inFlight = true;
    return new Call(owed, want);
  }

  private void send(Call call) {
    store
        .take(key, perMinute, call.owed(), call.want(), holder, clock.currentTimeMillis())
        .onComplete(ar -> completed(call, ar));
  }

  private void completed(Call call, AsyncResult<QuotaStore.Grant> ar) {
    List<Waiter> yes = new ArrayList<>();
    List<Waiter> no = new ArrayList<>();
    Call next;
    synchronized (this) {
      inFlight = false;
      if (ar.succeeded()) {
        if (fallingBack) {
          fallingBack = false;
          LOG.info("provider quota {}: the shared store answers again, counted there", key);
        }
        long granted = ar.result().granted();
        held += call.owed() + granted;
        emptySeen = granted < call.want();
        block = Math.max(1, perMinute * SHARE_PERCENT / 100 / Math.max(1, ar.result().holders()));
        while (!waiting.isEmpty()) {
          if (hasRoom()) {
            if (kind == Kind.REQUESTS) {
              held--;
            }
            yes.add(waiting.poll());
          } else if (emptySeen) {
            no.add(waiting.poll());
          } else {
            break; // more requests came than this call asked for: the next call asks for them
          }
        }
      } else {
        if (call.owed() < 0 && !(ar.cause() instanceof StoreUnavailableException s && s.unsent())) {
          // Units given back with a call that got no answer: Redis may have added them anyway
          // (the reply was lost), so they are dropped here rather than sent again, which could
          // add them twice. A lost reply errs on the safe side: units counted, never returned.
          // A call never sent (the store was resting after a failure) did not run: its units
          // stay held and go back with the call that finds the store answering again.
          held += call.owed();
        }
        if (!fallingBack) {
          fallingBack = true;
          LOG.warn(
              "provider quota {}: the shared store is unavailable, counted on this replica until"
                  + " it answers again",
              key);
        }
        while (!waiting.isEmpty()) {
          (localTake() ? yes : no).add(waiting.poll());
        }
      }
      next = ar.succeeded() ? nextCall(false) : null;
    }
    yes.forEach(w -> answer(w, true));
    no.forEach(w -> answer(w, false));
    if (next != null) {
      send(next);
    }
  }

  /** Completes a waiting request on its own context (the store answers on its connection's). */
  private static void answer(Waiter w, boolean result) {
    if (w.context() == null || w.context() == Vertx.currentContext()) {
      w.promise().complete(result);
    } else {
      w.context().runOnContext(v -> w.promise().complete(result));
    }
  }
}
