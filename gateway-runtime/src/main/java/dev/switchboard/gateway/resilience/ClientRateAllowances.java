package dev.switchboard.gateway.resilience;

import dev.switchboard.gateway.state.AllowanceRules;
import dev.switchboard.gateway.state.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Admissions to route client rate-limit buckets in the shared store, with a local allowance per set
 * of buckets (one caller of one policy): a few requests that Redis already counts as taken on this
 * replica's behalf, so most admissions of a busy caller are decided here without a round trip, and
 * none is counted twice or lost. The scheme of the consumer allowances ({@code
 * ConsumerAllowances}), for buckets without a budget.
 *
 * <p>How it stays exact. A request bucket's level in Redis is what is left after every admitted
 * request and every replica's held allowance. A replica admits locally only from what it holds; a
 * request that does not fit waits for one script run ({@code client_rate_admit.lua}) that takes the
 * whole allowance back, decides the waiting requests exactly as if each came alone and in order,
 * and grants a fresh allowance from what the buckets have left. An allowance is at most 1 % of the
 * smallest request limit ({@value AllowanceRules#BASE_REQUESTS} requests, or about {@value
 * AllowanceRules#HORIZON_MS} ms of a busy replica's admissions up to {@value
 * AllowanceRules#MAX_REQUESTS}), so under 100 requests per minute nothing is held and every
 * admission is decided in Redis. Token limits are checked against the lowest token bucket's level
 * as of this replica's last run, minus the tokens its answers used since; those tokens are sent
 * (and the level refreshed whenever the group admitted anything) every report interval, with the
 * allowance held beyond twice its target (all of it after {@value AllowanceRules#IDLE_MS} ms
 * without a request, and at shutdown). The sizes and moments are the consumer allowances' ({@link
 * AllowanceRules}). A replica that dies holding an allowance leaves it taken until the buckets
 * refill: at most 1 % of a limit for a minute.
 */
final class ClientRateAllowances {

  /**
   * One request's answer: 1 admitted, 2 limited (by the dimension of bucket number {@code bucket}).
   */
  record Verdict(int code, String dimension, long retryMs, int bucket) {}

  static final Verdict ADMITTED = new Verdict(1, "", 0, 0);

  /** Sends one run: the buckets, their (capacity, kind) pairs, then the run's numbers. */
  interface Sender {
    Future<Response> send(
        List<String> buckets,
        List<String> pairs,
        int waiting,
        long returnRequests,
        long wantRequests,
        long tokens);
  }

  /** One set of buckets on this replica. */
  private static final class Group {
    final String key;
    final List<String> buckets;
    final List<String> pairs;
    final boolean requestBuckets;
    final boolean tokenBuckets;
    final long minRequests;

    /** This replica's admissions asked of these buckets, per second. */
    final AllowanceRules.Rate rate = new AllowanceRules.Rate();

    final boolean local;
    long requests;

    /** The lowest token bucket's level as Redis last said, minus tokens used here since. */
    long tokenLevel;

    long pendingTokens;

    /**
     * Admitted from the allowance since the last run: the token level it was checked against may be
     * stale (other replicas' tokens), so the next report refreshes it even with nothing to send.
     */
    boolean admittedSinceRun;

    long lastUsedNanos;
    boolean busy;
    boolean gone;

    /** The run in flight, or the last one. */
    Future<Void> current = Future.succeededFuture();

    final ArrayDeque<Promise<Verdict>> waiting = new ArrayDeque<>();

    Group(String key, List<String> buckets, List<String> pairs) {
      this.key = key;
      this.buckets = buckets;
      this.pairs = pairs;
      long minRequests = Long.MAX_VALUE;
      long minTokens = Long.MAX_VALUE;
      for (int i = 0; i < pairs.size(); i += 2) {
        long capacity = Long.parseLong(pairs.get(i));
        if ("r".equals(pairs.get(i + 1))) {
          minRequests = Math.min(minRequests, capacity);
        } else {
          minTokens = Math.min(minTokens, capacity);
        }
      }
      this.requestBuckets = minRequests != Long.MAX_VALUE;
      this.tokenBuckets = minTokens != Long.MAX_VALUE;
      this.minRequests = minRequests;
      this.local = AllowanceRules.admitsLocally(minRequests, minTokens);
      this.tokenLevel = tokenBuckets ? 0 : Long.MAX_VALUE; // unknown until Redis says
    }

    /**
     * Requests to hold ({@link AllowanceRules#requestTarget(long, long)} at the rate measured when
     * the allowance last moved: a run starting, a report), as the consumer allowances size theirs.
     */
    long requestTarget() {
      return AllowanceRules.requestTarget(minRequests, rate.perSecond());
    }

    boolean fits() {
      return local && (!requestBuckets || requests >= 1) && (!tokenBuckets || tokenLevel > 0);
    }

    /** Takes one request from the allowance (the caller checked {@link #fits}). */
    void takeRequest() {
      if (requestBuckets) {
        requests--;
      }
    }
  }

  /** One script run's inputs, taken from a group under its lock; {@code done} when answered. */
  private record Run(
      List<Promise<Verdict>> batch, long returned, long want, long tokens, Promise<Void> done) {}

  private final Map<String, Group> groups = new ConcurrentHashMap<>();
  private final Sender sender;

  /** The gateway clock's nanoseconds: when a group has idled long enough to give back. */
  private final LongSupplier nanos;

  /**
   * Set by the shutdown report before it looks at the runs in flight; read under a group's lock
   * when a run starts, so a run started after the look sees it.
   */
  private volatile boolean closing;

  ClientRateAllowances(Sender sender, LongSupplier nanos) {
    this.sender = sender;
    this.nanos = nanos;
  }

  /** Admits one request to the buckets of {@code key}: from the allowance, or in a script run. */
  Future<Verdict> admit(String key, List<String> buckets, List<String> pairs) {
    while (true) {
      Group g = groups.computeIfAbsent(key, k -> new Group(k, buckets, pairs));
      Promise<Verdict> waiting = null;
      Run run = null;
      synchronized (g) {
        if (g.gone) {
          continue;
        }
        g.lastUsedNanos = nanos.getAsLong();
        g.rate.count();
        if (g.waiting.isEmpty() && g.fits()) {
          g.takeRequest();
          g.admittedSinceRun = true;
          // Running low: ask for more before the next request has to wait.
          if (!g.busy && AllowanceRules.runningLow(g.requests, g.requestTarget())) {
            run = start(g);
          }
        } else {
          waiting = Promise.promise();
          g.waiting.add(waiting);
          if (!g.busy) {
            run = start(g);
          }
        }
      }
      if (run != null) {
        send(g, run);
      }
      return waiting == null ? Future.succeededFuture(ADMITTED) : waiting.future();
    }
  }

  /** Counts the tokens an admitted request's answer used; sent with the group's next run. */
  void charge(String key, List<String> buckets, List<String> pairs, long tokens) {
    while (true) {
      Group g = groups.computeIfAbsent(key, k -> new Group(k, buckets, pairs));
      synchronized (g) {
        if (g.gone) {
          continue;
        }
        g.pendingTokens += tokens;
        if (g.tokenBuckets && g.tokenLevel != Long.MAX_VALUE) {
          g.tokenLevel -= tokens;
        }
        return;
      }
    }
  }

  /**
   * Sends the tokens used since the last run and gives back the allowance held beyond twice its
   * target (all of it for groups idle {@value #IDLE_MS} ms, or for every group when {@code
   * everything}); forgets idle groups with nothing left.
   */
  Future<Void> report(boolean everything) {
    if (everything) {
      // From here on no run takes an allowance: a run in flight now whose answer starts another for
      // waiting requests (after the look below) gives back what it holds instead of taking more.
      closing = true;
      // At shutdown the runs in flight come back first, so their groups give back what they hold.
      List<Future<Void>> inFlight = new ArrayList<>();
      for (Group g : groups.values()) {
        synchronized (g) {
          inFlight.add(g.current);
        }
      }
      return Future.join(inFlight).otherwiseEmpty().compose(v -> reportNow(true));
    }
    return reportNow(false);
  }

  private Future<Void> reportNow(boolean everything) {
    List<Future<Void>> sent = new ArrayList<>();
    long now = nanos.getAsLong();
    for (Group g : groups.values()) {
      Run run = null;
      synchronized (g) {
        if (g.busy || g.gone) {
          continue;
        }
        boolean idle = everything || AllowanceRules.idle(g.lastUsedNanos, now);
        g.rate.update(now); // a replica that got quieter gives back what it no longer needs
        long spare = AllowanceRules.spare(g.requests, g.requestTarget(), idle);
        boolean staleTokens = g.tokenBuckets && g.admittedSinceRun;
        if (g.pendingTokens > 0 || spare > 0 || staleTokens) {
          g.busy = true;
          run = take(g, List.of(), spare, 0);
        } else if (idle && g.waiting.isEmpty()) {
          g.gone = true;
          groups.remove(g.key, g);
        }
      }
      if (run != null) {
        sent.add(send(g, run));
      }
    }
    return Future.join(sent).otherwiseEmpty().mapEmpty();
  }

  /** Requests this replica holds, over all groups (for tests). */
  long held() {
    long held = 0;
    for (Group g : groups.values()) {
      synchronized (g) {
        held += g.requests;
      }
    }
    return held;
  }

  /**
   * Starts a run for the waiting requests and the allowance's top-up; the caller holds the lock.
   */
  private Run start(Group g) {
    g.busy = true;
    g.rate.update(nanos.getAsLong());
    List<Promise<Verdict>> batch = AllowanceRules.nextBatch(g.waiting);
    if (closing) {
      // Shutting down: decide the waiting requests, give everything back, take nothing.
      return take(g, batch, g.requests, 0);
    }
    long want = g.local ? g.requestTarget() : 0;
    if (!batch.isEmpty()) {
      // Requests the allowance cannot cover: give it all back in the same run, so they are decided
      // against everything the buckets have left (exactly as without an allowance); a fresh one is
      // granted after them.
      return take(g, batch, g.requests, want);
    }
    return take(g, batch, 0, Math.max(0, want - g.requests));
  }

  private static Run take(Group g, List<Promise<Verdict>> batch, long returned, long want) {
    g.requests -= returned;
    g.admittedSinceRun = false;
    Run run = new Run(batch, returned, want, g.pendingTokens, Promise.promise());
    // Under the lock that made the group busy: a shutdown report that sees it busy waits for it.
    g.current = run.done().future();
    g.pendingTokens = 0;
    return run;
  }

  private Future<Void> send(Group g, Run run) {
    Future<Response> sent;
    try {
      sent =
          sender.send(
              g.buckets, g.pairs, run.batch().size(), run.returned(), run.want(), run.tokens());
    } catch (RuntimeException e) {
      // Not sent (the client refused the command): a failed run, so its requests are answered
      // (they fall back) and the group is free again, never left busy with them waiting.
      sent =
          Future.failedFuture(
              new StoreUnavailableException("the rate-limit run could not be sent: " + e, true));
    }
    return sent.transform(
        ar -> {
          // Never sent (refused above, or failed by the store while it rests): not in Redis.
          boolean unsent = ar.cause() instanceof StoreUnavailableException s && s.unsent();
          answer(g, run, ar.succeeded() ? ar.result() : null, ar.cause(), unsent);
          run.done().complete();
          return Future.<Void>succeededFuture();
        });
  }

  /** A run's answer, read whole before it changes anything. */
  private record Answer(long granted, long tokenLevel, List<Verdict> verdicts) {

    /** Reads {@code r}; throws if it is not the script's reply for {@code batch} requests. */
    static Answer read(Response r, int batch) {
      List<Verdict> verdicts = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        int at = 2 + 4 * i;
        verdicts.add(
            new Verdict(
                r.get(at).toInteger(),
                r.get(at + 1).toString(),
                r.get(at + 2).toLong(),
                r.get(at + 3).toInteger()));
      }
      return new Answer(r.get(0).toLong(), r.get(1).toLong(), verdicts);
    }
  }

  /**
   * Applies a run's answer (or its failure) and answers the requests it decided; {@code neverSent}
   * when the run certainly did not reach Redis (the client refused to send it, or the store failed
   * it unsent while resting).
   */
  private void answer(Group g, Run run, Response reply, Throwable cause, boolean neverSent) {
    Answer r = null;
    Throwable failure = cause;
    if (reply != null) {
      try {
        r = Answer.read(reply, run.batch().size());
      } catch (RuntimeException e) {
        // Not the script's reply (another script version, something in between): as no answer, so
        // the requests fall back and the group is free, rather than left busy for good.
        failure =
            new StoreUnavailableException("the rate-limit run's reply could not be read: " + e);
      }
    } else if (failure == null) {
      failure = new StoreUnavailableException("the rate-limit run got no reply");
    }
    Throwable failed = failure;
    List<Runnable> answers = new ArrayList<>(run.batch().size());
    Run next = null;
    synchronized (g) {
      if (r == null) {
        // No answer is not nothing done: the run may have run in Redis all the same. What it gave
        // back stays given back (held here again it would be available twice, past the limit; at
        // worst the bucket keeps it taken until it refills), and its tokens are not sent again
        // (charged once if it ran, else not at all: a lost reply never charges them twice). Only
        // a run that was never sent keeps its tokens for the next run.
        if (neverSent) {
          g.pendingTokens += run.tokens();
        }
        for (Promise<Verdict> w : run.batch()) {
          answers.add(() -> w.fail(failed));
        }
        // Requests that came meanwhile fail too (and fall back) rather than wait for a dead store.
        while (!g.waiting.isEmpty()) {
          Promise<Verdict> w = g.waiting.poll();
          answers.add(() -> w.fail(failed));
        }
        g.busy = false;
      } else {
        g.requests += r.granted();
        long tokenLevel = r.tokenLevel();
        // Tokens used here since the run was taken are not in Redis's level yet.
        g.tokenLevel = tokenLevel < 0 ? Long.MAX_VALUE : tokenLevel - g.pendingTokens;
        for (int i = 0; i < run.batch().size(); i++) {
          Verdict v = r.verdicts().get(i);
          Promise<Verdict> w = run.batch().get(i);
          answers.add(() -> w.complete(v));
        }
        // Requests that came meanwhile: from the new allowance while it lasts, in order.
        while (!g.waiting.isEmpty() && g.fits()) {
          Promise<Verdict> w = g.waiting.poll();
          g.takeRequest(); // right after a run: the token level is fresh
          answers.add(() -> w.complete(ADMITTED));
        }
        if (g.waiting.isEmpty()) {
          g.busy = false;
        } else {
          next = start(g);
        }
      }
    }
    answers.forEach(Runnable::run);
    if (next != null) {
      send(g, next);
    }
  }
}
