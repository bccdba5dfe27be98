package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.SkipReason;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamStream;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a planned chain of targets for one request, with the protection the route's policy asks for
 * (see RESILIENCE.md):
 *
 * <ul>
 *   <li>capability parity: targets lacking a capability the request needs, or with a too small
 *       context window, are dropped from the chain ({@code requireSameCapabilities}); targets the
 *       request cannot be sent to at all ({@link RequestNeeds#unsendable}: a message of nothing but
 *       an inline PDF, to Mistral) are skipped whatever the policy says ({@link
 *       SkipReason#UNSUPPORTED_CONTENT}); with no target left the client gets a 400 naming why;
 *   <li>targets that are unhealthy, cooling down after a {@code Retry-After}, out of provider
 *       quota, behind an open circuit breaker or at their bulkhead limit are skipped without being
 *       called — but when every target is unavailable and one of them only for being unhealthy or
 *       behind an open breaker, the first such one is still tried once (a probe) rather than
 *       failing without trying. A probe never goes past its provider's quota or a provider's own
 *       {@code Retry-After}; when those hold back every target, the request ends with a local 429
 *       whose {@code Retry-After} says when the first of them has room again;
 *   <li>a retriable failure retries the same target ({@code retry.maxAttempts} per target, with
 *       full-jitter backoff or the provider's {@code Retry-After}) and then moves on; every attempt
 *       after the first takes a retry from the route's budget; nothing runs past the request's
 *       overall deadline;
 *   <li>rejected credentials (401/403) are never retried on the same provider: the request skips
 *       every target of that provider (they share the key) and moves on to another provider;
 *   <li>a non-retriable failure (request-caused 4xx) ends the request.
 * </ul>
 *
 * For streams an attempt succeeds at its first SSE event that reaches the client, so failover is
 * possible while nothing was written to the client and never after. Every real attempt is reported
 * to the {@link AttemptObserver}, and so is every skip (not an attempt, but a canary's analysis
 * counts it). Nothing blocks: waits are Vert.x timers.
 */
public final class FailoverChain {

  /**
   * How long a target whose per-day quota is used up ({@link FailureScope#DAILY_QUOTA}) is held
   * back at least: one call an hour per replica finds out whether the quota came back.
   */
  static final long DAILY_QUOTA_HOLD_MS = 3_600_000L;

  /** The longest per-day quota hold, whatever wait the provider names. */
  static final long MAX_DAILY_QUOTA_HOLD_MS = 86_400_000L;

  private static final Logger LOG = LoggerFactory.getLogger(FailoverChain.class);

  /** Sees every attempt's end (metrics, stats, the request context). */
  public interface AttemptObserver {
    /** An attempt failed ({@code failureOrNull}) or was answered (null). */
    void attemptEnded(RequestContext ctx, PlannedTarget target, UpstreamFailure failureOrNull);

    /**
     * A stream attempt committed: its first event reaches the client, so the chain moves on no
     * further. By default that is the attempt's successful end.
     */
    default void streamCommitted(RequestContext ctx, PlannedTarget target) {
      attemptEnded(ctx, target, null);
    }

    /**
     * A committed stream's answer came to its outcome ({@link UpstreamStream#whenSettled}): null
     * once complete, the upstream's failure when it failed, sent an error event or cut the stream
     * short, a {@link FailureKind#INTERNAL} failure when the gateway gave it up (relaying it
     * failed), a {@link FailureKind#CLIENT_CANCELLED} failure when the client left before the end.
     * By default nothing: {@link #streamCommitted} counted the attempt already.
     */
    default void streamSettled(
        RequestContext ctx, PlannedTarget target, UpstreamFailure failureOrNull) {}

    /**
     * The chain passed a target by without calling it. By default nothing: a skip is no attempt.
     */
    default void skipped(RequestContext ctx, PlannedTarget target, SkipReason reason) {}
  }

  private final AttemptObserver observer;
  private final GatewayClock clock;
  private final ResilienceRegistry registry;
  private final DoubleSupplier random;

  /**
   * @param clock deadlines, Retry-After dates and backoff timers
   * @param registry breakers, guards and budgets shared by all requests
   * @param random uniform values in [0, 1) for backoff jitter; injectable so tests are exact
   */
  public FailoverChain(
      AttemptObserver observer,
      GatewayClock clock,
      ResilienceRegistry registry,
      DoubleSupplier random) {
    this.observer = observer;
    this.clock = clock;
    this.registry = registry;
    this.random = random;
  }

  /**
   * Runs {@code attempt} on the chain's targets until one succeeds.
   *
   * @return the first success, or the last failure (an {@link UpstreamFailure}, or an {@link
   *     ApiException} when no target of the route can serve the request at all)
   */
  public <T> Future<T> execute(
      List<PlannedTarget> chain, RequestContext ctx, Function<PlannedTarget, Future<T>> attempt) {
    if (chain.isEmpty()) {
      return Future.failedFuture(
          new UpstreamFailure(FailureKind.CONNECT, "route " + ctx.routeName() + " has no targets"));
    }
    ResiliencePolicy policy =
        ResiliencePolicy.of(ctx.route() == null ? null : ctx.route().policy());
    RequestNeeds needs = RequestNeeds.of(ctx);
    List<PlannedTarget> capable = chain;
    List<String> unsendable = List.of();
    List<String> mismatches = List.of();
    boolean parity = policy.requireSameCapabilities();
    if (parity || needs.fileOnlyMessage()) {
      capable = new ArrayList<>(chain.size());
      unsendable = new ArrayList<>();
      mismatches = new ArrayList<>();
      for (PlannedTarget t : chain) {
        // Whatever the policy says: such a target would be sent a message emptied of its document.
        String why = needs.unsendable(t);
        String mismatch = why == null && parity ? needs.mismatch(t) : null;
        if (why != null) {
          unsendable.add(why);
          registry.recordSkip(t.id(), SkipReason.UNSUPPORTED_CONTENT);
          observer.skipped(ctx, t, SkipReason.UNSUPPORTED_CONTENT);
        } else if (mismatch != null) {
          mismatches.add(mismatch);
        } else {
          capable.add(t);
        }
      }
    }
    if (capable.isEmpty()) {
      List<String> reasons = new ArrayList<>(unsendable);
      reasons.addAll(mismatches);
      return Future.failedFuture(
          new ApiException(
              OpenAiError.invalidRequest(
                  "No target of model '"
                      + ctx.routeName()
                      + "' can serve this request: "
                      + String.join("; ", reasons)
                      + ".",
                  null)));
    }
    RetryBudget budget = registry.budget(ctx.routeName(), policy);
    budget.recordRequest();
    Run<T> run = new Run<>(List.copyOf(capable), ctx, attempt, policy, budget);
    // Named where the chain's own skips are, should every target left fail too.
    run.skipped.addAll(unsendable);
    run.next();
    return run.promise.future();
  }

  /** The walk of one request along its chain. Touched only from the request's context. */
  private final class Run<T> {
    final Promise<T> promise = Promise.promise();
    final List<PlannedTarget> chain;
    final RequestContext ctx;
    final Function<PlannedTarget, Future<T>> attempt;
    final ResiliencePolicy policy;
    final RetryBudget budget;
    final List<String> skipped = new ArrayList<>();

    /**
     * Providers that rejected the gateway's key during this request: all their targets share it.
     */
    final java.util.Set<String> rejectedProviders = new java.util.HashSet<>();

    int index;
    int triesOnTarget;
    int attempts;
    boolean forced;
    boolean onlyUnavailable = true;

    /** The first target skipped only for its health or an open breaker: a probe may try it. */
    int probeIndex = -1;

    /**
     * The shortest wait until a target held back by its provider's quota or a Retry-After has room
     * again, in milliseconds; -1 while none was held back for that.
     */
    long heldBackMs = -1;

    /** Whether a target was skipped because its provider's account is out of credit. */
    boolean accountHeld;

    /**
     * Whether a target failed or was skipped for a reason that may pass (a 5xx, a timeout, a rate
     * limit, a breaker, ...), not only for a lasting one of the gateway's own (a model or endpoint
     * not served, an account out of credit, a rejected key): then a client's retry may find it
     * serving again.
     */
    boolean mayPass;

    /** Set while retrying a target after waiting out its Retry-After (clock granularity aside). */
    boolean waitedOut;

    UpstreamFailure last;

    Run(
        List<PlannedTarget> chain,
        RequestContext ctx,
        Function<PlannedTarget, Future<T>> attempt,
        ResiliencePolicy policy,
        RetryBudget budget) {
      this.chain = chain;
      this.ctx = ctx;
      this.attempt = attempt;
      this.policy = policy;
      this.budget = budget;
    }

    /** Tries the target at {@link #index} (or the next available one). */
    void next() {
      if (ctx.clientGone()) {
        promise.tryFail(new UpstreamFailure(FailureKind.CLIENT_CANCELLED, "client disconnected"));
        return;
      }
      if (ctx.deadlinePassed()) {
        fail(
            new UpstreamFailure(
                FailureKind.TIMEOUT,
                "the request deadline passed"
                    + (last == null ? "" : " (last failure: " + last.getMessage() + ")")));
        return;
      }
      if (index >= chain.size()) {
        if (attempts == 0 && !forced && onlyUnavailable && probeIndex >= 0) {
          // Every target is unhealthy, cooling down, out of quota or behind an open breaker:
          // rather than fail without trying, give the best one that is only unhealthy or open a
          // single chance. Quota and Retry-After are the provider's own limits: never probed.
          forced = true;
          index = probeIndex;
          PlannedTarget probe = chain.get(probeIndex);
          LOG.debug("route {}: no target available, trying {}", ctx.routeName(), probe.id());
          tryTarget(probe);
          return;
        }
        fail(exhausted());
        return;
      }
      tryTarget(chain.get(index));
    }

    void tryTarget(PlannedTarget target) {
      ProviderGuard guard = registry.guard(target.provider());
      CircuitBreaker breaker = registry.breaker(target, policy);
      if (rejectedProviders.contains(target.provider().name())) {
        skip(
            target,
            "uses the key its provider just rejected",
            SkipReason.CREDENTIALS_REJECTED,
            false);
        return;
      }
      if (registry.accountHeldMs(target.provider().name()) > 0) {
        // Its provider's account answered that it has no credit: so would this target. Like
        // quota, the provider's own word, so never probed.
        accountHeld = true;
        skip(target, "its provider's account is out of credit", SkipReason.ACCOUNT_EXHAUSTED, true);
        return;
      }
      // A probe (forced) goes past the health verdict and the breaker, which are the gateway's
      // own guesses; the provider's Retry-After and quota are its own word, and hold for probes.
      if (!forced && !guard.healthy()) {
        skip(target, "unhealthy", SkipReason.UNHEALTHY, true);
        return;
      }
      if (!waitedOut && registry.coolingDown(target.id())) {
        heldBack(registry.coolDownRemainingMs(target.id()));
        skip(target, "asked to wait (Retry-After)", SkipReason.COOLING_DOWN, true);
        return;
      }
      boolean permitted = !forced;
      if (permitted && !breaker.tryAcquirePermission()) {
        skip(target, "circuit breaker open", SkipReason.CIRCUIT_OPEN, true);
        return;
      }
      Future<Boolean> quota = guard.takeQuota();
      if (quota.isComplete()) {
        // The usual case (a local bucket, or units this replica holds): no hop through a future.
        quotaTaken(target, guard, breaker, permitted, quota.succeeded() && quota.result());
      } else {
        quota.onComplete(
            ar -> quotaTaken(target, guard, breaker, permitted, ar.succeeded() && ar.result()));
      }
    }

    void quotaTaken(
        PlannedTarget target,
        ProviderGuard guard,
        CircuitBreaker breaker,
        boolean permitted,
        boolean taken) {
      if (!taken) {
        if (permitted) {
          breaker.releasePermission();
        }
        heldBack(guard.quotaWaitMs());
        skip(target, "provider quota used up", SkipReason.QUOTA, true);
        return;
      }
      proceed(target, guard, breaker, permitted, true);
    }

    /** A target is held back by its provider's quota or Retry-After for {@code waitMs}. */
    void heldBack(long waitMs) {
      long wait = Math.max(0, waitMs);
      heldBackMs = heldBackMs < 0 ? wait : Math.min(heldBackMs, wait);
    }

    /**
     * Past the availability checks: the concurrency caps, then the retry budget, then the call. The
     * budget is asked only once a slot is held, so a target skipped for a full bulkhead (a skip,
     * not an attempt) costs no retry.
     */
    void proceed(
        PlannedTarget target,
        ProviderGuard guard,
        CircuitBreaker breaker,
        boolean recordBreaker,
        boolean quotaTaken) {
      guard
          .acquire(target.target().model())
          .onComplete(
              permitResult -> {
                if (permitResult.failed()) {
                  release(breaker, recordBreaker, guard, quotaTaken);
                  skip(target, "at its concurrency limit", SkipReason.BULKHEAD_FULL, false);
                  return;
                }
                if (attempts > 0 && !budget.tryRetry()) {
                  releasePermit(permitResult.result());
                  release(breaker, recordBreaker, guard, quotaTaken);
                  registry.recordBudgetExhausted(ctx.routeName());
                  fail(
                      last.withMessage(
                          last.getMessage() + "; no further attempt: retry budget spent"));
                  return;
                }
                send(target, guard, breaker, recordBreaker, quotaTaken, permitResult.result());
              });
    }

    void send(
        PlannedTarget target,
        ProviderGuard guard,
        CircuitBreaker breaker,
        boolean recordBreaker,
        boolean quotaTaken,
        SlotPermit permit) {
      attempts++;
      triesOnTarget++;
      ctx.target(target);
      long start = breaker.getCurrentTimestamp();
      Future<T> result;
      try {
        result = attempt.apply(target);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(
          ar -> {
            long elapsed = breaker.getCurrentTimestamp() - start;
            if (ar.succeeded()) {
              guard.credentialsAccepted();
              if (ar.result() instanceof UpstreamStream stream) {
                observer.streamCommitted(ctx, target);
                // The answer is judged at its end: a stream cut short is the target's failure.
                stream.whenSettled(
                    failure ->
                        observer.streamSettled(
                            ctx,
                            target,
                            failure == null && ctx.clientGone()
                                ? new UpstreamFailure(
                                    FailureKind.CLIENT_CANCELLED, "client disconnected mid-stream")
                                : failure));
                // A stream holds its permit until it ends; its breaker outcome is known then.
                stream.whenFinished(
                    failure -> {
                      releasePermit(permit);
                      if (failure != null && failure.scope() == FailureScope.ACCOUNT) {
                        // An empty account said so mid-stream: its other targets would, too.
                        registry.holdAccount(
                            target.provider().name(), policy.breaker().openForMs());
                      }
                      if (recordBreaker) {
                        if (failure == null) {
                          breaker.onSuccess(elapsed, breaker.getTimestampUnit());
                        } else {
                          recordFailure(breaker, elapsed, failure);
                        }
                      }
                    });
              } else {
                observer.attemptEnded(ctx, target, null);
                releasePermit(permit);
                if (recordBreaker) {
                  breaker.onSuccess(elapsed, breaker.getTimestampUnit());
                }
              }
              ctx.onFinished(() -> chargeTokens(guard));
              promise.tryComplete(ar.result());
              return;
            }
            releasePermit(permit);
            if (ar.cause() instanceof ApiException api) {
              if (recordBreaker) {
                breaker.releasePermission();
              }
              promise.tryFail(api);
              return;
            }
            UpstreamFailure failure =
                ar.cause() instanceof UpstreamFailure f
                    ? f
                    : new UpstreamFailure(FailureKind.CONNECT, String.valueOf(ar.cause()));
            if (quotaTaken && failure.kind() == FailureKind.NO_KEY) {
              guard.giveBackQuota(); // never sent: the provider's quota lost nothing
            }
            observer.attemptEnded(ctx, target, failure);
            if (recordBreaker) {
              recordFailure(breaker, elapsed, failure);
            }
            onFailure(target, guard, failure);
          });
    }

    void onFailure(PlannedTarget target, ProviderGuard guard, UpstreamFailure reported) {
      // Everything below (cool-down, same-target wait, what the client is told) sees the waits
      // capped and as numbers (an HTTP-date Retry-After as the seconds left on our clock).
      // A per-day quota's wait is the provider's word on the account, not a Retry-After to cap at
      // maxRetryAfter (that would bring the request back to a quota gone for the day each minute).
      UpstreamFailure failure =
          Backoff.normalizeRetryAfter(
              reported,
              reported.scope() == FailureScope.DAILY_QUOTA
                  ? MAX_DAILY_QUOTA_HOLD_MS
                  : policy.maxRetryAfterMs(),
              clock.currentTimeMillis());
      last = failure;
      onlyUnavailable = false;
      if (failure.kind() != FailureKind.TARGET_UNUSABLE
          && failure.kind() != FailureKind.AUTH_REJECTED) {
        mayPass = true;
      }
      if (failure.kind() == FailureKind.AUTH_REJECTED) {
        // Our own key was refused: a configuration error, not the client's. Never log the key.
        LOG.warn(
            "provider {} rejected the gateway's credentials (HTTP {}): check its key in {}",
            target.provider().name(),
            failure.upstreamStatus(),
            dev.switchboard.contract.RoutingTable.KEYS_SECRET_NAME);
        registry.credentialsRejected(target.provider());
      } else if (failure.kind() == FailureKind.REQUEST_REJECTED
          || failure.kind() == FailureKind.TARGET_UNUSABLE) {
        // A 4xx that got past authentication: the key works.
        guard.credentialsAccepted();
      }
      if (failure.scope() == FailureScope.ACCOUNT) {
        // Credit belongs to the account: every target of this provider would answer the same, so
        // all of them are held back (for as long as a breaker stays open), in this request too.
        registry.holdAccount(target.provider().name(), policy.breaker().openForMs());
      }
      OptionalLong retryAfter =
          Backoff.retryAfterMs(
              failure.retryAfter(), failure.retryAfterMs(), clock.currentTimeMillis());
      if (failure.scope() == FailureScope.DAILY_QUOTA) {
        // The target's quota for the day is used up: hold it back for an hour, or for the wait the
        // provider names when that is longer (at most a day), whatever respectRetryAfter and
        // maxRetryAfter say: no passing limit, so nothing to wait out here. Google often names a
        // delay of seconds beside a per-day violation (its per-minute bucket's): taken as it is,
        // that would bring every replica back to the empty quota a few times a minute all day.
        long holdMs = Math.max(retryAfter.orElse(0), DAILY_QUOTA_HOLD_MS);
        registry.coolDown(target.id(), holdMs);
        if (retryAfter.isEmpty() || retryAfter.getAsLong() < holdMs) {
          // The client is told the hold, the wait after which this target is tried again.
          failure = failure.withRetryAfter(Long.toString((holdMs + 999) / 1000), null);
          last = failure;
        }
      } else if (policy.respectRetryAfter()
          && retryAfter.isPresent()
          && (failure.kind() == FailureKind.RATE_LIMITED
              || failure.kind() == FailureKind.SERVER_ERROR)) {
        registry.coolDown(target.id(), retryAfter.getAsLong());
      }
      if (ctx.clientGone() || failure.kind() == FailureKind.CLIENT_CANCELLED) {
        promise.tryFail(failure);
        return;
      }
      if (failure.kind() == FailureKind.AUTH_REJECTED) {
        // Retrying the same key cannot help, nor can the provider's other targets (same key);
        // another provider may still serve the request.
        rejectedProviders.add(target.provider().name());
        if (forced) {
          fail(failure);
        } else {
          moveOn();
        }
        return;
      }
      if (failure.kind() == FailureKind.TARGET_UNUSABLE) {
        // The model is gone or the account has no credit: the same target cannot do better
        // soon, the next one may (whatever retryOn says, as for a rejected key).
        if (forced) {
          fail(failure);
        } else {
          moveOn();
        }
        return;
      }
      if (failure.kind() == FailureKind.NO_KEY) {
        // Never sent (no key is loaded for the provider): not an attempt, so moving on costs no
        // retry budget, and retrying the same target cannot help.
        attempts--;
        if (forced) {
          fail(failure);
        } else {
          moveOn();
        }
        return;
      }
      if (!policy.retries(failure.kind())) {
        promise.tryFail(failure);
        return;
      }
      // An answer that broke off after its head arrived, or a whole 2xx body that does not parse,
      // was very likely generated and billed:
      // sending the same request to the same target again would pay for it twice, so a retry
      // goes to another target (see RESILIENCE.md, "Retries and double billing").
      if (!forced
          && triesOnTarget < policy.maxAttempts()
          && !failure.answerStarted()
          && failure.scope() != FailureScope.DAILY_QUOTA) {
        long delay = Backoff.delayMs(policy, triesOnTarget, random);
        if (policy.respectRetryAfter() && retryAfter.isPresent()) {
          // A Retry-After longer than the backoff cap is better spent on the next target.
          delay =
              retryAfter.getAsLong() <= policy.backoffMaxMs()
                  ? Math.max(delay, retryAfter.getAsLong())
                  : Long.MAX_VALUE;
        }
        if (delay != Long.MAX_VALUE && delay < ctx.remainingMs()) {
          retrySameTargetAfter(target, delay);
          return;
        }
      }
      if (forced) {
        fail(failure);
        return;
      }
      moveOn();
    }

    void retrySameTargetAfter(PlannedTarget target, long delayMs) {
      if (delayMs <= 0) {
        tryTarget(target);
        return;
      }
      waitedOut = true;
      clock.setTimer(
          delayMs,
          id -> {
            if (ctx.clientGone()) {
              promise.tryFail(
                  new UpstreamFailure(FailureKind.CLIENT_CANCELLED, "client disconnected"));
              return;
            }
            // The same target may have become unavailable meanwhile (breaker, health).
            tryTarget(target);
          });
    }

    void moveOn() {
      waitedOut = false;
      index++;
      triesOnTarget = 0;
      next();
    }

    void skip(PlannedTarget target, String reason, SkipReason label, boolean unavailable) {
      skipped.add(target.id() + " " + reason);
      registry.recordSkip(target.id(), label);
      observer.skipped(ctx, target, label);
      if (label != SkipReason.ACCOUNT_EXHAUSTED && label != SkipReason.CREDENTIALS_REJECTED) {
        mayPass = true;
      }
      if (!unavailable) {
        onlyUnavailable = false;
      }
      if (!forced
          && probeIndex < 0
          && (label == SkipReason.UNHEALTHY || label == SkipReason.CIRCUIT_OPEN)) {
        probeIndex = index;
      }
      if (forced) {
        fail(exhausted());
        return;
      }
      moveOn();
    }

    void release(
        CircuitBreaker breaker, boolean permitted, ProviderGuard guard, boolean quotaTaken) {
      if (permitted) {
        breaker.releasePermission();
      }
      if (quotaTaken) {
        guard.giveBackQuota();
      }
    }

    void chargeTokens(ProviderGuard guard) {
      if (ctx.usage() != null) {
        guard.chargeTokens(ctx.usage().inputTokens() + ctx.usage().outputTokens());
      }
    }

    /** The failure to report when the chain ran out. */
    UpstreamFailure exhausted() {
      if (last != null) {
        UpstreamFailure failure =
            skipped.isEmpty()
                ? last
                : last.withMessage(last.getMessage() + "; skipped: " + String.join(", ", skipped));
        // Every target's model, endpoint, account or key failed it: a client's retry a second
        // later would meet the same (SDKs retry a 502 twice unless told not to).
        return mayPass ? failure : failure.asLasting();
      }
      if (heldBackMs >= 0) {
        // Nothing was sent: the providers' own limits (quota, Retry-After) hold every target back.
        // Like the provider's 429 they stand for, a local 429 saying when to come back: to the
        // millisecond too, so that an SDK retries as soon as the first of them has room again.
        long waitMs = Math.max(1, heldBackMs);
        return UpstreamFailure.heldBack(
            "no target was available: " + String.join(", ", skipped),
            Long.toString((waitMs + 999) / 1000),
            Long.toString(waitMs));
      }
      if (accountHeld) {
        // Nothing was sent: the accounts of the providers left are out of credit.
        UpstreamFailure held =
            UpstreamFailure.accountHeld("no target was available: " + String.join(", ", skipped));
        return mayPass ? held : held.asLasting();
      }
      return UpstreamFailure.noTargetAvailable(
          "no target was available: " + String.join(", ", skipped));
    }

    void fail(UpstreamFailure failure) {
      promise.tryFail(failure);
    }
  }

  private static void releasePermit(SlotPermit permit) {
    if (permit != null) {
      permit.release();
    }
  }

  /**
   * Feeds a breaker the outcome of a call it permitted: a success with null, else {@code f} as the
   * serving path judges it (a request-caused 4xx is the provider working, a 429, cancellation or
   * missing key no verdict at all). The one place that decides what counts in a breaker, so a
   * half-open probe counts the same whoever sent it (an evaluation mirror, see {@code
   * EvaluationStage}).
   */
  public static void recordOutcome(CircuitBreaker breaker, long elapsed, UpstreamFailure f) {
    if (f == null) {
      breaker.onSuccess(elapsed, breaker.getTimestampUnit());
    } else {
      recordFailure(breaker, elapsed, f);
    }
  }

  private static void recordFailure(CircuitBreaker breaker, long elapsed, UpstreamFailure f) {
    if (f.cutByDeadline()) {
      // The request's deadline was shorter than the provider's timeout: the client's doing.
      breaker.releasePermission();
      return;
    }
    switch (f.kind()) {
      case CONNECT,
          TIMEOUT,
          SERVER_ERROR,
          BAD_RESPONSE,
          AUTH_REJECTED,
          TARGET_UNUSABLE,
          STREAM_STALLED ->
          breaker.onError(elapsed, breaker.getTimestampUnit(), f);
      // The provider works and answered: a request-caused 4xx says nothing about its health.
      case REQUEST_REJECTED -> breaker.onSuccess(elapsed, breaker.getTimestampUnit());
      // 429 is flow control (handled by Retry-After and quota), not a fault; cancellations and
      // missing keys never reached the provider; a stream the gateway gave up is its own failure.
      case RATE_LIMITED, CLIENT_CANCELLED, NO_KEY, INTERNAL -> breaker.releasePermission();
    }
  }
}
