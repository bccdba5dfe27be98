package dev.switchboard.gateway.state;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Consumer admissions and settlements of {@link RedisStateStore}, with a local allowance per
 * consumer: a share of the consumer's limits that Redis counts as committed on this replica's
 * behalf, so most admissions of a busy consumer are decided here without a round trip, and none of
 * them is counted twice or lost.
 *
 * <p>How it stays exact. In Redis, a consumer's committed budget is its settled spend plus every
 * replica's held allowance plus its open reservations; a request bucket is lowered by the requests
 * a replica holds. A replica admits locally only from what it holds; a request that does not fit
 * waits for one script run ({@code allowance.lua}) that decides it exactly as if it came alone —
 * the old per-request semantics — and, in the same run, reports what settled since (spend, tokens,
 * allowance given back) and asks for the next allowance. An allowance is granted only from room the
 * limits leave and is at most 1 % of a limit ({@value AllowanceRules#SHARE_DIVISOR}th), so with
 * tight limits (a few requests per minute, a budget of a few reservations) nothing is held and
 * every admission goes to Redis as before, as it does for a consumer whose only rate limits are
 * token limits under {@value AllowanceRules#MIN_LOCAL_TOKENS_PER_MINUTE} per minute; with a
 * generous limit a replica holds {@value AllowanceRules#BASE_REQUESTS} requests, or when busy about
 * {@value AllowanceRules#HORIZON_MS} ms of its own admissions (at most {@value
 * AllowanceRules#MAX_REQUESTS}), and the budget of as many reservations. Settlements are local: the
 * unused part of a reservation returns to the allowance, spend and tokens are reported every
 * {@value RedisStateStore#REPORT_MS} ms, and what a replica holds beyond its target (all of it
 * after {@value AllowanceRules#IDLE_MS} ms idle) is given back. A replica that dies holding an
 * allowance leaves it counted as committed until the period ends: at most 1 % of the limit per
 * replica.
 *
 * <p>Token limits are checked against the token bucket's level as Redis last reported it, minus the
 * tokens settled here since that run was taken — also those settled while it was in flight, and
 * those of requests served during an outage handed over meanwhile, which Redis's level does not
 * hold yet. A replica that admitted locally refreshes that level at its next report even when it
 * has nothing to send (answers still open, or settled with 0 tokens), so other replicas' tokens
 * show up within one report.
 */
final class ConsumerAllowances {

  /** A budget allowance is only worth holding when it covers at least this many reservations. */
  static final long MIN_RESERVES = 8;

  /**
   * How long a reservation may stay open: a request that was never settled (its replica's answer
   * path skipped) is forgotten after this, its reservation left counted as committed (the safe
   * side), so the replica's memory stays bounded.
   */
  static final long RESERVATION_TTL_MS = 24L * 3600 * 1000;

  private static final long DAY_TTL_MS = 3L * 24 * 3600 * 1000;
  private static final long MINUTE_MS = 60_000;
  private static final long MONTH_TTL_MS = 35L * 24 * 3600 * 1000;

  private record Waiting(AdmitCall call, Promise<Admission> promise) {}

  /**
   * Set by the shutdown flush before it looks at the runs in flight; read under a group's lock when
   * a run starts, so a run started after the look sees it.
   */
  private volatile boolean closing;

  /** An admitted request not settled yet: what it reserved, and when (gateway clock). */
  private record Open(long reserve, long sinceMs) {}

  /** One consumer (with one set of limits, in one day and month) on this replica. */
  private static final class Group {
    final GroupKey key;
    final AdmitCall shape;
    final long minRequestCapacity;
    final boolean tokenBuckets;

    /** The smallest token limit per minute (Long.MAX_VALUE without token limits). */
    final long minTokenCapacity;

    final boolean budgeted;

    /**
     * Whether requests may be admitted here at all ({@link AllowanceRules#admitsLocally}): not with
     * a request limit under 100 per minute, nor with token limits alone under {@link
     * AllowanceRules#MIN_LOCAL_TOKENS_PER_MINUTE} (every admission decided in Redis; no budget is
     * held either, since none of it could be used here).
     */
    final boolean local;

    long requests;
    long budget;

    /** This replica's admissions asked for this consumer, per second. */
    final AllowanceRules.Rate rate = new AllowanceRules.Rate();

    /**
     * The lowest token bucket's level as Redis last said, minus the tokens settled here since the
     * run that said it was taken (those are not in Redis's level yet).
     */
    long tokenLevel;

    long day;
    long month;
    long lastReserve;
    long lastUsedNanos;
    long pendingSpent;
    long pendingTokens;

    /**
     * Tokens of requests served from this replica's memory while Redis was unavailable, as much of
     * them as the token buckets would still hold at {@code outageTokensAtMs} (gateway clock): the
     * buckets refill while Redis is away, so what was served a minute or more before it answers
     * again no longer counts, and charging it all would lock the consumer out for as long as the
     * outage lasted.
     */
    long outageTokens;

    long outageTokensAtMs;

    /**
     * Admitted locally since the last run was taken: the token level it was checked against may be
     * stale (other replicas' tokens), so the next report refreshes it even with nothing to send.
     */
    boolean admittedSinceRun;

    /**
     * The settlement of the last run that got no answer: it may have been applied in Redis all the
     * same, so it goes again unchanged, with its id, until a run is answered (Redis skips it if it
     * had applied it). New spend waits in pendingSpent meanwhile.
     */
    Settlement unconfirmed;

    boolean busy;
    Future<Void> current = Future.succeededFuture();
    boolean gone;
    final Map<String, Open> open = new HashMap<>();
    final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

    /**
     * The script's keys (committed and spent per period, the buckets, then the settlements record),
     * fixed per group.
     */
    final List<String> keys = new ArrayList<>();

    /** This group's field in the settlements record: its limits (the key holds the day). */
    final String settleField;

    /** Capacity and kind of each bucket, in the order of its key. */
    final List<String> buckets = new ArrayList<>();

    /**
     * @param base the consumer's key prefix in Redis
     */
    Group(GroupKey key, AdmitCall shape, String base, String replica) {
      this.key = key;
      this.shape = shape;
      keys.add(base + "committed:d:" + shape.day());
      keys.add(base + "committed:m:" + shape.month());
      keys.add(base + "spent:d:" + shape.day());
      keys.add(base + "spent:m:" + shape.month());
      long min = Long.MAX_VALUE;
      long minTokens = Long.MAX_VALUE;
      boolean tokens = false;
      for (int i = 0; i < shape.limits().size(); i++) {
        Limit limit = shape.limits().get(i);
        if (limit.tokensPerMinute() > 0) {
          tokens = true;
          minTokens = Math.min(minTokens, limit.tokensPerMinute());
          keys.add(RedisStateStore.bucketKey(base, i, "t", limit.tokensPerMinute()));
          buckets.add(Long.toString(limit.tokensPerMinute()));
          buckets.add("t");
        }
        if (limit.requestsPerMinute() > 0) {
          min = Math.min(min, limit.requestsPerMinute());
          keys.add(RedisStateStore.bucketKey(base, i, "r", limit.requestsPerMinute()));
          buckets.add(Long.toString(limit.requestsPerMinute()));
          buckets.add("r");
        }
      }
      keys.add(base + "settled:" + shape.day() + ":" + replica);
      this.settleField =
          shape.month()
              + ":"
              + shape.dayLimitNanoUsd()
              + ":"
              + shape.monthLimitNanoUsd()
              + ":"
              + shape.limits();
      this.minRequestCapacity = min;
      this.tokenBuckets = tokens;
      this.minTokenCapacity = minTokens;
      this.tokenLevel = tokens ? 0 : Long.MAX_VALUE; // unknown until Redis says
      this.budgeted = shape.dayLimitNanoUsd() >= 0 || shape.monthLimitNanoUsd() >= 0;
      this.local = AllowanceRules.admitsLocally(min, minTokens);
    }

    boolean requestBuckets() {
      return minRequestCapacity != Long.MAX_VALUE;
    }

    boolean fits(AdmitCall call) {
      return local
          && (!requestBuckets() || requests >= 1)
          && (!tokenBuckets || tokenLevel > 0)
          && (!budgeted || call.reserveNanoUsd() <= budget);
    }

    Admission take(AdmitCall call) {
      if (requestBuckets()) {
        requests--;
      }
      if (budgeted) {
        budget -= call.reserveNanoUsd();
      }
      open.put(call.reservationId(), new Open(call.reserveNanoUsd(), call.nowMs()));
      return admitted();
    }

    Admission admitted() {
      return new Admission(Admission.Verdict.ADMITTED, null, 0, day, month);
    }

    /**
     * Requests to hold ({@link AllowanceRules#requestTarget(long, long)} at the rate measured when
     * the allowance last moved).
     */
    long requestTarget() {
      return AllowanceRules.requestTarget(minRequestCapacity, rate.perSecond());
    }

    /**
     * Budget to hold: as many reservations, at most 1 % of the room left; 0 when too small or when
     * nothing is admitted here.
     */
    long budgetTarget() {
      if (!budgeted || lastReserve <= 0 || !local) {
        return 0;
      }
      long room = Long.MAX_VALUE;
      if (shape.dayLimitNanoUsd() >= 0) {
        room = Math.min(room, shape.dayLimitNanoUsd() - day);
      }
      if (shape.monthLimitNanoUsd() >= 0) {
        room = Math.min(room, shape.monthLimitNanoUsd() - month);
      }
      long target =
          Math.min(
              Math.max(0, room) / AllowanceRules.SHARE_DIVISOR,
              lastReserve * AllowanceRules.heldRequests(rate.perSecond()));
      return target >= lastReserve * MIN_RESERVES ? target : 0;
    }
  }

  /**
   * Settled spend and tokens, and a charge to the committed budget (costs above their
   * reservations), reported in one run under an id: Redis records the highest id it applied of a
   * group, so a settlement sent again after a lost reply is applied once.
   */
  private record Settlement(
      long id, long spent, long tokens, long outageTokens, long outageTokensAtMs, long charge) {}

  /** One script run's inputs, taken from a group under its lock. */
  private record Run(
      List<Waiting> batch,
      long wantRequests,
      long wantBudget,
      long returnRequests,
      long giveBack,
      Settlement settlement,
      Promise<Void> done) {

    long spent() {
      return settlement == null ? 0 : settlement.spent();
    }

    /**
     * The tokens to charge when sent at {@code nowMs}: those settled since the last report, and
     * what the buckets would still hold of the outage's tokens then (a settlement sent again later
     * charges less of them, as the buckets refilled meanwhile; it is applied only if it was not).
     */
    long tokens(long nowMs, long minTokenCapacity) {
      if (settlement == null) {
        return 0;
      }
      return settlement.tokens()
          + stillHeld(
              settlement.outageTokens(), settlement.outageTokensAtMs(), nowMs, minTokenCapacity);
    }
  }

  /**
   * How long Redis remembers which settlements of a replica it applied: as long as the day's
   * counters live, so a settlement sent again after a lost reply is skipped even after a long
   * outage.
   */
  static final long SETTLED_TTL_MS = 3L * 24 * 3600 * 1000;

  /** This replica's name in the settlements record (a new one per process). */
  private final String replica = java.util.UUID.randomUUID().toString();

  /** Settlement ids: increasing on this replica, so a group's are too across its lifetimes. */
  private final java.util.concurrent.atomic.AtomicLong settlementIds =
      new java.util.concurrent.atomic.AtomicLong();

  private final RedisStateStore store;
  private final Map<GroupKey, Group> groups = new ConcurrentHashMap<>();

  /**
   * The same groups by consumer, so a report of one consumer's spend ({@link #report(String)})
   * looks at that consumer's groups only, not at every consumer's. Changed only inside {@code
   * groups}' own atomic updates of a group (made in {@link #group}, dropped in {@link #drop}).
   */
  private final Map<String, Set<Group>> byConsumer = new ConcurrentHashMap<>();

  /** Runs for each group a report looks at: a test counts them; nothing otherwise. */
  private volatile Consumer<String> reportProbe = consumer -> {};

  private final Map<String, Group> byReservation = new ConcurrentHashMap<>();

  /**
   * Last committed and spent totals seen per consumer period (by key): the seed of a counter Redis
   * lost. Those of periods that are over are forgotten ({@link #pruneSeeds}), or a replica would
   * keep one per consumer and day it ever served.
   */
  private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();

  /** When seeds were last pruned (gateway clock). */
  private volatile long prunedAtMs;

  /** When {@link #flushAll} last looked for expired reservations (gateway clock). */
  private volatile long expiredAtMs;

  /** The latest budget day admissions were made in ({@code 2026-05-01}; ISO dates sort). */
  private final AtomicReference<String> latestDay = new AtomicReference<>("");

  /** Notes that {@code day} is in use; the latest day never goes back (ISO dates sort). */
  private void dayInUse(String day) {
    latestDay.accumulateAndGet(day, (latest, seen) -> seen.compareTo(latest) > 0 ? seen : latest);
  }

  /**
   * @param store the store; it calls {@link #flush} every {@link RedisStateStore#REPORT_MS} ms and
   *     when it closes
   */
  ConsumerAllowances(RedisStateStore store) {
    this(store, store::runScript);
  }

  /** Runs one of the store's scripts (the store's own; a test may answer a run itself). */
  interface ScriptRunner {
    Future<Response> run(String name, List<String> keys, List<String> args);
  }

  private final ScriptRunner scripts;

  ConsumerAllowances(RedisStateStore store, ScriptRunner scripts) {
    this.store = store;
    this.scripts = scripts;
  }

  /**
   * The group of {@code key}, made for {@code call} when there is none (a caller that finds it
   * {@code gone} under its lock asks again: it was dropped meanwhile).
   */
  private Group group(GroupKey key, AdmitCall call) {
    return groups.computeIfAbsent(
        key,
        k -> {
          dayInUse(call.day()); // a new day starts new groups
          Group made = new Group(k, call, store.base(call.consumer()), replica);
          // Added under the consumer's entry, so a drop that empties it cannot lose this group.
          byConsumer.compute(
              k.consumer(),
              (c, mine) -> {
                Set<Group> set = mine == null ? ConcurrentHashMap.newKeySet() : mine;
                set.add(made);
                return set;
              });
          return made;
        });
  }

  /** Drops {@code g} (idle, nothing open or waiting); the caller holds its lock. */
  private void drop(Group g) {
    g.gone = true;
    groups.computeIfPresent(
        g.key,
        (k, present) -> {
          if (present != g) {
            return present;
          }
          byConsumer.computeIfPresent(
              k.consumer(),
              (c, mine) -> {
                mine.remove(g);
                return mine.isEmpty() ? null : mine;
              });
          return null;
        });
  }

  Future<Admission> admit(AdmitCall call) {
    Promise<Admission> promise = Promise.promise();
    GroupKey key = key(call);
    while (true) {
      Group g = group(key, call);
      Run run = null;
      synchronized (g) {
        if (g.gone) {
          continue;
        }
        g.lastUsedNanos = store.clock().nanoTime();
        if (g.open.containsKey(call.reservationId())) {
          return Future.succeededFuture(g.admitted()); // admitting twice counts once
        }
        g.rate.count();
        if (call.reserveNanoUsd() > 0) {
          g.lastReserve = call.reserveNanoUsd();
        }
        Admission local = null;
        if (g.waiting.isEmpty() && g.fits(call)) {
          local = g.take(call);
          g.admittedSinceRun = true;
          byReservation.put(call.reservationId(), g);
          // Running low: ask for more before the next request has to wait.
          if (!g.busy
              && (AllowanceRules.runningLow(g.requests, g.requestTarget())
                  || AllowanceRules.runningLow(g.budget, g.budgetTarget()))) {
            run = start(g);
          }
        } else {
          g.waiting.add(new Waiting(call, promise));
          if (!g.busy) {
            run = start(g);
          }
        }
        if (local != null) {
          promise.complete(local);
        }
      }
      if (run != null) {
        send(g, run);
      }
      return promise.future();
    }
  }

  /**
   * Adds the cost of a request admitted in this replica's memory while Redis was unavailable to its
   * consumer's spend (and committed budget, where none of it was reserved), and its tokens to the
   * consumer's token buckets: kept as settled spend and tokens not yet reported, in the consumer's
   * group, so the next run that gets an answer reports them — after an outage, the first one. Of
   * the tokens only what the buckets would still hold is charged (they refill while Redis is away;
   * {@link #stillHeld}, at the smallest token limit). Memory: one group per consumer and budget
   * period, whatever the outage's length. Lost if this replica stops before Redis answers again.
   */
  void addOutageUsage(AdmitCall admitted, long costNanoUsd, long tokens) {
    GroupKey key = key(admitted);
    while (true) {
      Group g = group(key, admitted);
      synchronized (g) {
        if (g.gone) {
          continue;
        }
        g.lastUsedNanos = store.clock().nanoTime();
        g.pendingSpent += costNanoUsd;
        if (g.budgeted) {
          // Nothing of it was reserved in Redis: charged to the committed budget as a cost above
          // its reservation is (a negative allowance, charged with the next run).
          g.budget -= costNanoUsd;
        }
        if (g.tokenBuckets && tokens > 0) {
          long nowMs = store.nowMs();
          g.outageTokens =
              stillHeld(g.outageTokens, g.outageTokensAtMs, nowMs, g.minTokenCapacity) + tokens;
          g.outageTokensAtMs = Math.max(nowMs, g.outageTokensAtMs);
          g.tokenLevel -= tokens;
        }
        return;
      }
    }
  }

  void settle(SettleCall call) {
    Group g = byReservation.remove(call.reservationId());
    if (g == null) {
      return; // settled before, or never admitted here
    }
    synchronized (g) {
      Open reserved = g.open.remove(call.reservationId());
      if (reserved == null) {
        return;
      }
      if (g.budgeted) {
        g.budget += reserved.reserve() - call.costNanoUsd();
      }
      if (call.unserved() && g.requestBuckets()) {
        // Its request returns to what this replica holds (Redis counts it as taken, as it counts
        // the allowance): admitted from again here, or given back with the next run.
        g.requests++;
      }
      g.pendingSpent += call.costNanoUsd();
      if (g.tokenBuckets) {
        g.pendingTokens += call.tokens();
        g.tokenLevel -= call.tokens();
      }
    }
  }

  /**
   * Reports what this replica settled for a consumer and has not reported yet (after the run in
   * flight, if there is one, with the run taken after it — which carries what the run in flight did
   * not), so a spend report read after it includes this replica's settlements.
   */
  Future<Void> report(String consumer) {
    return report(Set.of(consumer));
  }

  /**
   * As {@link #report(String)} for all of {@code consumers} at once (a spend report of thousands of
   * consumers): each consumer's groups through the index, never a pass over every group per
   * consumer.
   */
  Future<Void> report(Set<String> consumers) {
    List<Future<Void>> reports = new ArrayList<>();
    for (String consumer : consumers) {
      Set<Group> mine = byConsumer.get(consumer);
      if (mine == null) {
        continue;
      }
      for (Group g : mine) {
        reportProbe.accept(g.shape.consumer());
        reports.add(report(g, true));
      }
    }
    return Future.join(reports).otherwiseEmpty().mapEmpty();
  }

  /** For tests: {@code probe} learns the consumer of each group a report looks at. */
  void reportProbe(Consumer<String> probe) {
    this.reportProbe = probe;
  }

  /** Consumers that have groups (for tests). */
  int indexedConsumers() {
    return byConsumer.size();
  }

  private Future<Void> report(Group g, boolean waitOnce) {
    Run run = null;
    Future<Void> inFlight = null;
    synchronized (g) {
      if (g.busy) {
        inFlight = g.current;
      } else if (g.pendingSpent > 0
          || g.pendingTokens > 0
          || g.outageTokens > 0
          || g.unconfirmed != null) {
        g.busy = true;
        run = take(g, List.of(), 0, 0, 0, 0);
      }
    }
    if (run != null) {
      return send(g, run);
    }
    if (inFlight != null) {
      // A busy consumer: the run in flight was taken before this report and may not carry what
      // settled since; the next run does — one this report starts, or one the answer started for
      // requests still waiting (taken after this report, so it is waited for too).
      return waitOnce ? inFlight.compose(v -> report(g, false)) : inFlight;
    }
    return Future.succeededFuture();
  }

  /**
   * Reports settled spend and tokens and gives back surplus allowance (the store's report
   * interval); with {@code everything} (shutdown), after the runs in flight, reports everything and
   * gives every allowance back.
   */
  Future<Void> flush(boolean everything) {
    if (!everything) {
      return flushAll(false);
    }
    // From here on no run takes an allowance: a run in flight now whose answer starts another for
    // waiting requests (after the look below) gives back what it holds instead of taking more, so
    // a group still busy when everything is given back holds nothing to give.
    closing = true;
    List<Future<Void>> inFlight = new ArrayList<>();
    for (Group g : groups.values()) {
      synchronized (g) {
        inFlight.add(g.current);
      }
    }
    return Future.join(inFlight).otherwiseEmpty().compose(v -> flushAll(true));
  }

  /**
   * A spend counter's total as Redis said it ({@code key} as in a group's keys): the seed of that
   * counter should Redis lose it. Nothing is kept for 0 (nothing to restore).
   */
  void seen(String key, long total) {
    if (total > 0) {
      lastSeen.merge(key, total, Math::max);
    }
  }

  /**
   * A consumer's spend of {@code day} and {@code month} as Redis just read it ({@code base}: its
   * keys' prefix), each counter at least what this replica last saw of it: a counter Redis lost
   * reads low until the consumer's next run reseeds it, and spend only grows within its period.
   */
  Spend atLeastSeen(String base, String day, String month, long dayRead, long monthRead) {
    dayInUse(day); // what is seen here is pruned with the seeds of admissions
    String dayKey = base + "spent:d:" + day;
    String monthKey = base + "spent:m:" + month;
    seen(dayKey, dayRead);
    seen(monthKey, monthRead);
    return new Spend(
        Math.max(dayRead, lastSeen.getOrDefault(dayKey, 0L)),
        Math.max(monthRead, lastSeen.getOrDefault(monthKey, 0L)));
  }

  /** Settled spend this replica holds that Redis has not confirmed, over all consumers. */
  long unreportedSpendNanoUsd() {
    long spend = 0;
    for (Group g : groups.values()) {
      synchronized (g) {
        spend += g.pendingSpent + (g.unconfirmed == null ? 0 : g.unconfirmed.spent());
      }
    }
    return spend;
  }

  /** Seeds of lost counters held (for tests). */
  int seeds() {
    return lastSeen.size();
  }

  /** Admitted requests of this replica not settled yet (for tests). */
  int openReservations() {
    return byReservation.size();
  }

  /** Requests this replica holds of its consumers' limits, over all groups (for tests). */
  long heldRequests() {
    long held = 0;
    for (Group g : groups.values()) {
      synchronized (g) {
        held += g.requests;
      }
    }
    return held;
  }

  private Future<Void> flushAll(boolean everything) {
    List<Future<Void>> sent = new ArrayList<>();
    long now = store.clock().nanoTime();
    long nowMs = store.nowMs();
    pruneSeeds(nowMs);
    // Reservations expire after a day: looked for once a minute, not at every flush (every
    // REPORT_MS), which went through every open request of every group on the event loop.
    boolean expireReservations = nowMs - expiredAtMs >= MINUTE_MS;
    if (expireReservations) {
      expiredAtMs = nowMs;
    }
    for (Group g : groups.values()) {
      Run run = null;
      synchronized (g) {
        if (g.busy || g.gone) {
          continue;
        }
        if (expireReservations && !g.open.isEmpty()) {
          g.open
              .entrySet()
              .removeIf(
                  e -> {
                    boolean expired = nowMs - e.getValue().sinceMs() > RESERVATION_TTL_MS;
                    if (expired) {
                      byReservation.remove(e.getKey(), g);
                    }
                    return expired;
                  });
        }
        boolean idle = everything || AllowanceRules.idle(g.lastUsedNanos, now);
        g.rate.update(now); // a replica that got quieter gives back what it no longer needs
        // A negative budget (a cost above its reservation) is charged in any case.
        long surplus =
            g.budget < 0 ? g.budget : AllowanceRules.spare(g.budget, g.budgetTarget(), idle);
        long spare = AllowanceRules.spare(g.requests, g.requestTarget(), idle);
        boolean staleTokens = g.tokenBuckets && g.admittedSinceRun;
        if (g.pendingSpent > 0
            || g.pendingTokens > 0
            || g.outageTokens > 0
            || g.unconfirmed != null
            || surplus != 0
            || spare > 0
            || staleTokens) {
          g.busy = true;
          run = take(g, List.of(), 0, 0, spare, surplus);
        } else if (idle && g.open.isEmpty() && g.waiting.isEmpty()) {
          drop(g);
        }
      }
      if (run != null) {
        sent.add(send(g, run));
      }
    }
    return Future.join(sent).otherwiseEmpty().mapEmpty();
  }

  /**
   * Once a minute: forgets the seeds of days and months before the latest day admitted in and its
   * month (their counters are no longer limits; a late settlement of one seeds it again).
   */
  private void pruneSeeds(long nowMs) {
    String day = latestDay.get();
    if (nowMs - prunedAtMs < MINUTE_MS || day.length() < 7) {
      return;
    }
    prunedAtMs = nowMs;
    String dayKey = ":d:" + day;
    String monthKey = ":m:" + day.substring(0, 7);
    lastSeen.keySet().removeIf(k -> !k.endsWith(dayKey) && !k.endsWith(monthKey));
  }

  /**
   * Starts a run for the waiting requests and the allowance's top-up; the caller holds the lock.
   */
  private Run start(Group g) {
    g.busy = true;
    g.rate.update(store.clock().nanoTime());
    List<Waiting> batch = AllowanceRules.nextBatch(g.waiting);
    if (closing) {
      // Shutting down: decide the waiting requests, give everything back, take nothing.
      return take(g, batch, 0, 0, g.requests, g.budget);
    }
    if (!batch.isEmpty()) {
      // Requests the allowance cannot cover: give it all back in the same run, so they are decided
      // against everything the limits have left (exactly as without an allowance); a fresh one is
      // granted after them.
      return take(g, batch, g.requestTarget(), g.budgetTarget(), g.requests, g.budget);
    }
    long wantRequests = Math.max(0, g.requestTarget() - g.requests);
    long wantBudget = Math.max(0, g.budgetTarget() - g.budget);
    // A cost above its reservation left the allowance negative: charge it now.
    long release = Math.min(0, g.budget);
    return take(g, batch, wantRequests, wantBudget, 0, release);
  }

  private Run take(
      Group g,
      List<Waiting> batch,
      long wantRequests,
      long wantBudget,
      long returnRequests,
      long release) {
    g.requests -= returnRequests;
    // A positive release gives held budget back; a negative one charges a cost above its
    // reservation, which is settled spend and goes with the settlement (applied once).
    long giveBack = Math.max(0, release);
    g.budget -= giveBack;
    g.admittedSinceRun = false;
    Settlement settlement = g.unconfirmed;
    if (settlement == null) {
      long charge = Math.max(0, -release);
      g.budget += charge;
      if (g.pendingSpent > 0 || g.pendingTokens > 0 || g.outageTokens > 0 || charge > 0) {
        settlement =
            new Settlement(
                settlementIds.incrementAndGet(),
                g.pendingSpent,
                g.pendingTokens,
                g.outageTokens,
                g.outageTokensAtMs,
                charge);
      }
      g.pendingSpent = 0;
      g.pendingTokens = 0;
      g.outageTokens = 0;
    } // else the unanswered settlement goes again first; a new charge stays in the budget
    Run run =
        new Run(
            batch,
            wantRequests,
            wantBudget,
            returnRequests,
            giveBack,
            settlement,
            Promise.promise());
    g.current = run.done().future();
    return run;
  }

  private Future<Void> send(Group g, Run run) {
    AdmitCall shape = g.shape;
    String dayKey = g.keys.get(0);
    String monthKey = g.keys.get(1);
    List<String> buckets = g.buckets;
    long nowMs = shape.nowMs();
    for (Waiting w : run.batch()) {
      nowMs = Math.max(nowMs, w.call().nowMs());
    }
    List<String> args = new ArrayList<>(14 + buckets.size() + run.batch().size());
    long sentAtMs = Math.max(nowMs, store.nowMs());
    args.add(Long.toString(sentAtMs));
    args.add(Long.toString(shape.dayLimitNanoUsd()));
    args.add(Long.toString(shape.monthLimitNanoUsd()));
    args.add(Long.toString(DAY_TTL_MS));
    args.add(Long.toString(MONTH_TTL_MS));
    args.add(Long.toString(lastSeen.getOrDefault(dayKey, 0L)));
    args.add(Long.toString(lastSeen.getOrDefault(monthKey, 0L)));
    args.add(Integer.toString(buckets.size() / 2));
    args.addAll(buckets);
    args.add(Long.toString(run.wantRequests()));
    args.add(Long.toString(run.wantBudget()));
    args.add(Long.toString(run.returnRequests()));
    args.add(Long.toString(run.giveBack()));
    args.add(Long.toString(run.spent()));
    args.add(Long.toString(run.tokens(sentAtMs, g.minTokenCapacity)));
    args.add(Long.toString(lastSeen.getOrDefault(g.keys.get(2), 0L)));
    args.add(Long.toString(lastSeen.getOrDefault(g.keys.get(3), 0L)));
    Settlement settlement = run.settlement();
    args.add(Long.toString(settlement == null ? 0 : settlement.id()));
    args.add(Long.toString(settlement == null ? 0 : settlement.charge()));
    args.add(g.settleField);
    args.add(Long.toString(SETTLED_TTL_MS));
    for (Waiting w : run.batch()) {
      args.add(Long.toString(w.call().reserveNanoUsd()));
    }
    Future<Response> sent;
    try {
      sent = scripts.run("allowance.lua", g.keys, args);
    } catch (RuntimeException e) {
      // Not sent (the client refused the command): a failed run like any other, so its requests
      // are answered and the group is free again, never left busy with them waiting.
      sent =
          Future.failedFuture(
              new StoreUnavailableException(
                  "the consumer allowance run could not be sent: " + e, true));
    }
    return sent.transform(
        ar -> {
          answer(g, run, dayKey, monthKey, ar.succeeded() ? ar.result() : null, ar.cause());
          return Future.<Void>succeededFuture();
        });
  }

  /**
   * Applies a run's answer (or its failure) and answers the requests it decided. A reply that is
   * not the script's (another script version, something in between) counts as no answer: its
   * requests fall back as on a store error and the group is free again — read half, it would have
   * left the group busy for good and every later request of the consumer waiting.
   */
  private void answer(
      Group g, Run run, String dayKey, String monthKey, Response reply, Throwable cause) {
    Response r = reply;
    Throwable failure = cause;
    if (r != null) {
      try {
        checkReply(r, run.batch().size());
      } catch (RuntimeException e) {
        r = null;
        failure =
            new StoreUnavailableException("the consumer allowance run's reply is unreadable: " + e);
      }
    } else if (failure == null) {
      failure = new StoreUnavailableException("the consumer allowance run got no reply");
    }
    answerRead(g, run, dayKey, monthKey, r, failure);
  }

  /** Reads every field {@link #answerRead} reads; throws when one is missing or of another type. */
  private static void checkReply(Response r, int batch) {
    for (int i = 0; i < 7; i++) {
      r.get(i).toLong();
    }
    for (int i = 0; i < batch; i++) {
      int at = 7 + 3 * i;
      int verdict = r.get(at).toInteger();
      if (verdict != 1) {
        r.get(at + 1).toString(); // the limit or budget that refused it
      }
      if (verdict == 2) {
        r.get(at + 2).toLong();
      }
    }
  }

  private void answerRead(
      Group g, Run run, String dayKey, String monthKey, Response r, Throwable failure) {
    List<Runnable> answers = new ArrayList<>(run.batch().size());
    Run next = null;
    synchronized (g) {
      if (r == null) {
        // No answer is not nothing done: a run that missed its deadline or lost its connection may
        // have run in Redis all the same. What it gave back stays given back (held here again it
        // would be available twice, past the limits; at worst Redis keeps it counted, the safe
        // side); its settlement (spend, tokens, charge) goes again, unchanged and under its id,
        // with the next run, and Redis applies it only if it had not (never twice).
        g.unconfirmed = run.settlement();
        if (failure instanceof StoreUnavailableException s && s.unsent()) {
          // Never sent (the store was already down): nothing of it ran in Redis, which still
          // counts what this run gave back as held here. Held here again, it is given back by a
          // later run; dropped, it would stay committed in Redis until the day (month) ends.
          g.requests += run.returnRequests();
          g.budget += run.giveBack();
        }
        for (Waiting w : run.batch()) {
          answers.add(() -> w.promise().fail(failure));
        }
        // Requests that came meanwhile fail too rather than wait for a store that is down.
        while (!g.waiting.isEmpty()) {
          Waiting w = g.waiting.poll();
          answers.add(() -> w.promise().fail(failure));
        }
        g.busy = false;
      } else {
        g.unconfirmed = null; // applied now, or before (and skipped now)
        g.requests += r.get(0).toLong();
        g.budget += r.get(1).toLong();
        g.day = r.get(2).toLong();
        g.month = r.get(3).toLong();
        long tokenLevel = r.get(4).toLong();
        // Tokens settled here while the run was in flight are not in Redis's level yet (they wait
        // in pendingTokens for the next run), nor are an outage's tokens handed over meanwhile
        // (outageTokens): taken as it is, the level would forget them.
        g.tokenLevel =
            tokenLevel < 0 ? Long.MAX_VALUE : tokenLevel - g.pendingTokens - g.outageTokens;
        lastSeen.merge(dayKey, g.day, Math::max);
        lastSeen.merge(monthKey, g.month, Math::max);
        seen(g.keys.get(2), r.get(5).toLong());
        seen(g.keys.get(3), r.get(6).toLong());
        for (int i = 0; i < run.batch().size(); i++) {
          Waiting w = run.batch().get(i);
          int at = 7 + 3 * i;
          Admission admission =
              switch (r.get(at).toInteger()) {
                case 1 -> {
                  g.open.put(
                      w.call().reservationId(),
                      new Open(w.call().reserveNanoUsd(), w.call().nowMs()));
                  byReservation.put(w.call().reservationId(), g);
                  yield g.admitted();
                }
                case 2 ->
                    new Admission(
                        Admission.Verdict.RATE_LIMITED,
                        r.get(at + 1).toString(),
                        r.get(at + 2).toLong(),
                        g.day,
                        g.month);
                default ->
                    new Admission(
                        Admission.Verdict.BUDGET_EXHAUSTED,
                        r.get(at + 1).toString(),
                        0,
                        g.day,
                        g.month);
              };
          answers.add(() -> w.promise().complete(admission));
        }
        // Requests that came meanwhile: from the new allowance while it lasts, in order.
        while (!g.waiting.isEmpty() && g.fits(g.waiting.peek().call())) {
          Waiting w = g.waiting.poll();
          Admission admission = g.take(w.call());
          byReservation.put(w.call().reservationId(), g);
          answers.add(() -> w.promise().complete(admission));
        }
        if (g.waiting.isEmpty()) {
          g.busy = false;
        } else {
          next = start(g);
        }
      }
    }
    answers.forEach(Runnable::run);
    run.done().complete();
    if (next != null) {
      send(g, next);
    }
  }

  /**
   * What token buckets of {@code perMinute} (the smallest of a consumer's token limits) still hold
   * at {@code nowMs} of {@code tokens} charged at {@code atMs}: less what they refilled since.
   */
  static long stillHeld(long tokens, long atMs, long nowMs, long perMinute) {
    if (tokens <= 0) {
      return 0;
    }
    double refilled = Math.max(0, nowMs - atMs) * (double) perMinute / MINUTE_MS;
    return refilled >= tokens ? 0 : tokens - (long) refilled;
  }

  /** One consumer with one set of limits in one day and month: one group. */
  private record GroupKey(
      String consumer,
      String day,
      String month,
      long dayLimitNanoUsd,
      long monthLimitNanoUsd,
      List<Limit> limits) {}

  private static GroupKey key(AdmitCall call) {
    return new GroupKey(
        call.consumer(),
        call.day(),
        call.month(),
        call.dayLimitNanoUsd(),
        call.monthLimitNanoUsd(),
        call.limits());
  }
}
