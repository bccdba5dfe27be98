package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.http.ErrorMapping;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamClients;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The failover walk on a manual clock: backoff, Retry-After, the overall deadline and breaker open
 * periods are waited out by advancing the clock, never by sleeping. Timers set outside a Vert.x
 * context fire on the test thread, so every step is deterministic.
 */
class FailoverChainTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final ResilienceRegistry registry =
      new ResilienceRegistry(
          vertx,
          new UpstreamClients(vertx),
          new SimpleMeterRegistry(),
          p -> Optional.empty(),
          clock);
  private final List<String> observed = new ArrayList<>();
  private final FailoverChain chain =
      new FailoverChain(
          (ctx, t, failure) ->
              observed.add(t.id() + ":" + (failure == null ? "ok" : failure.kind())),
          clock,
          registry,
          () -> 0.5);

  /** The attempts made, by target id, in order. */
  private final List<String> calls = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    registry.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static final RoutingTable.Provider A =
      provider("a", "http://127.0.0.1:9/v1", null, null, null, null, Map.of());
  private static final RoutingTable.Provider B =
      provider("b", "http://127.0.0.1:9/v1", null, null, null, null, Map.of());

  private static PlannedTarget planned(RoutingTable.Provider p, int priority) {
    return new PlannedTarget(target(p.name(), "m", priority), p, PlannedTarget.STABLE);
  }

  private static final PlannedTarget TA = planned(A, 0);
  private static final PlannedTarget TB = planned(B, 1);

  private static RoutingTable.Policy policy(
      int maxAttempts, long backoffInitialMs, long backoffMaxMs, RoutingTable.CircuitBreaker cb) {
    return new RoutingTable.Policy(
        "pol",
        "priority",
        null,
        List.of(),
        new RoutingTable.Retry(
            maxAttempts, backoffInitialMs, backoffMaxMs, 2.0, "full", null, true, 1.0, 10, null),
        true,
        cb,
        List.of(),
        null,
        null,
        null);
  }

  private RequestContext request(RoutingTable.Policy policy, List<PlannedTarget> targets) {
    RoutingTable.Route route =
        new RoutingTable.Route("r", "r", List.of(), "pol", 1, List.of(), List.of(), null);
    RequestContext ctx = new RequestContext("req", Operation.CHAT_COMPLETIONS, clock);
    ctx.route(new ResolvedRoute(route, policy, targets, List.of(), "route"));
    return ctx;
  }

  /** An attempt function answering with the scripted outcomes in turn (null = success). */
  private Function<PlannedTarget, Future<String>> script(UpstreamFailure... outcomes) {
    Deque<Optional<UpstreamFailure>> queue = new ArrayDeque<>();
    for (UpstreamFailure f : outcomes) {
      queue.add(Optional.ofNullable(f));
    }
    return t -> {
      calls.add(t.id());
      Optional<UpstreamFailure> next = queue.isEmpty() ? Optional.empty() : queue.poll();
      return next.<Future<String>>map(Future::failedFuture)
          .orElseGet(() -> Future.succeededFuture("answer from " + t.id()));
    };
  }

  private static UpstreamFailure status(FailureKind kind, int status, String retryAfterMs) {
    return new UpstreamFailure(kind, "scripted " + status, status, null, null, retryAfterMs);
  }

  @Test
  void retryAfterIsWaitedOutOnTheSameTargetBeforeTheRetry() {
    RequestContext ctx = request(policy(2, 10, 2_000, null), List.of(TA, TB));

    Future<String> result =
        chain.execute(
            List.of(TA, TB), ctx, script(status(FailureKind.RATE_LIMITED, 429, "300"), null));

    assertThat(calls).containsExactly("a/m");
    // Backoff alone would be floor(0.5 x 10) = 5 ms; the provider asked for 300.
    assertThat(clock.nextDueInMillis()).hasValue(300);
    clock.advance(299);
    assertThat(calls).containsExactly("a/m");
    assertThat(result.isComplete()).isFalse();
    clock.advance(1);
    assertThat(calls).containsExactly("a/m", "a/m");
    assertThat(result.result()).isEqualTo("answer from a/m");
    assertThat(observed).containsExactly("a/m:RATE_LIMITED", "a/m:ok");
  }

  @Test
  void sameTargetRetryWaitsTheJitteredExponentialBackoff() {
    RequestContext ctx = request(policy(3, 100, 2_000, null), List.of(TA));

    Future<String> result =
        chain.execute(
            List.of(TA),
            ctx,
            script(
                status(FailureKind.SERVER_ERROR, 500, null),
                status(FailureKind.SERVER_ERROR, 500, null),
                null));

    // Full jitter with the draw 0.5: 0.5 x 100 ms, then 0.5 x 200 ms.
    assertThat(clock.nextDueInMillis()).hasValue(50);
    clock.advance(49);
    assertThat(calls).hasSize(1);
    clock.advance(1);
    assertThat(calls).hasSize(2);
    assertThat(clock.nextDueInMillis()).hasValue(100);
    clock.advance(100);
    assertThat(calls).hasSize(3);
    assertThat(result.succeeded()).isTrue();
  }

  @Test
  void aRetryAfterLongerThanTheBackoffCapMovesOnAndCoolsTheTargetDown() {
    RequestContext ctx = request(policy(2, 10, 2_000, null), List.of(TA, TB));

    Future<String> result =
        chain.execute(
            List.of(TA, TB), ctx, script(status(FailureKind.RATE_LIMITED, 429, "30000"), null));

    assertThat(calls).containsExactly("a/m", "b/m");
    assertThat(result.result()).isEqualTo("answer from b/m");
    assertThat(registry.coolingDown("a/m")).isTrue();
    clock.advance(29_999);
    assertThat(registry.coolingDown("a/m")).isTrue();
    clock.advance(1);
    assertThat(registry.coolingDown("a/m")).isFalse();
  }

  /**
   * A {@code Retry-After} sent as an HTTP date (RFC 9110) reaches the client and the target's
   * cool-down as the seconds left until it on the gateway's clock, never as the date.
   */
  @Test
  void anHttpDateRetryAfterIsRelayedAndHeldAsDeltaSeconds() {
    RequestContext ctx = request(policy(1, 10, 2_000, null), List.of(TA));
    java.time.Instant due =
        java.time.Instant.ofEpochMilli(clock.currentTimeMillis())
            .plusSeconds(20)
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String date =
        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
            due.atOffset(java.time.ZoneOffset.UTC));

    Future<String> result =
        chain.execute(
            List.of(TA),
            ctx,
            script(new UpstreamFailure(FailureKind.RATE_LIMITED, "429", 429, null, date, null)));

    UpstreamFailure failure = (UpstreamFailure) result.cause();
    assertThat(failure.retryAfter()).isEqualTo("20");
    assertThat(registry.coolDownRemainingMs("a/m"))
        .isEqualTo(due.toEpochMilli() - clock.currentTimeMillis());
  }

  /**
   * A per-day quota used up is held back for an hour, or the longer wait the provider names, not
   * for a short delay (Google names one of seconds beside a per-day violation) nor capped at
   * maxRetryAfter, and whatever respectRetryAfter says: it is the provider's word on the quota, not
   * a rate limit's Retry-After. The client alone is told that wait.
   */
  @Test
  void aPerDayQuotaIsHeldForAnHourOrTheLongerWaitNamedWhateverRetryAfterSettings() {
    RoutingTable.Policy ignoresRetryAfter =
        new RoutingTable.Policy(
            "pol",
            "priority",
            null,
            List.of(),
            new RoutingTable.Retry(3, 10L, 2_000L, 2.0, "full", null, false, 1.0, 10, 60_000L),
            true,
            null,
            List.of(),
            null,
            null,
            null);
    UpstreamFailure shortDelay =
        new UpstreamFailure(FailureKind.RATE_LIMITED, "per-day", 429, null, "43", "43000")
            .withScope(FailureScope.DAILY_QUOTA);

    Future<String> first =
        chain.execute(List.of(TA), request(ignoresRetryAfter, List.of(TA)), script(shortDelay));

    assertThat(calls).containsExactly("a/m");
    UpstreamFailure told = (UpstreamFailure) first.cause();
    assertThat(told.retryAfter()).isEqualTo("3600");
    assertThat(registry.coolDownRemainingMs("a/m")).isEqualTo(3_600_000);

    // A longer wait named by the provider is kept, beyond maxRetryAfter (60 s here).
    clock.advance(3_600_000);
    UpstreamFailure longDelay =
        new UpstreamFailure(FailureKind.RATE_LIMITED, "per-day", 429, null, "7200", "7200000")
            .withScope(FailureScope.DAILY_QUOTA);
    Future<String> second =
        chain.execute(List.of(TA), request(ignoresRetryAfter, List.of(TA)), script(longDelay));
    assertThat(((UpstreamFailure) second.cause()).retryAfter()).isEqualTo("7200");
    assertThat(registry.coolDownRemainingMs("a/m")).isEqualTo(7_200_000);
  }

  /**
   * Every target skipped as unavailable (here: its bulkhead full) sends nothing: the client's 503
   * is logged as {@code no_target_available}, not as a {@code connect} failure of an upstream, and
   * with no "failed upstream" WARN per request.
   */
  @Test
  void noTargetAvailableIsNoUpstreamFailure() {
    RoutingTable.Provider narrow =
        provider("narrow", "http://127.0.0.1:9/v1", null, 1, null, null, Map.of());
    PlannedTarget only = planned(narrow, 0);
    Promise<String> busy = Promise.promise();
    chain.execute(
        List.of(only),
        request(policy(1, 10, 2_000, null), List.of(only)),
        t -> {
          calls.add(t.id());
          return busy.future();
        });
    RequestContext ctx = request(policy(1, 10, 2_000, null), List.of(only));

    Future<String> result = chain.execute(List.of(only), ctx, script());
    clock.advance(Bulkhead.MAX_WAIT_MS);

    assertThat(calls).containsExactly("narrow/m");
    UpstreamFailure failure = (UpstreamFailure) result.cause();
    assertThat(failure.nothingSent()).isTrue();
    try (LogCapture logged = LogCapture.of(ErrorMapping.class)) {
      OpenAiError error = ErrorMapping.toOpenAiError(failure, ctx);
      assertThat(error.status()).isEqualTo(503);
      assertThat(error.code()).isEqualTo("no_healthy_target");
      assertThat(error.errorClass()).isEqualTo("no_target_available");
      assertThat(logged.events()).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }
    busy.complete("late");
  }

  /**
   * An account out of credit is the provider's, not the model's: the provider's other targets are
   * not tried (in this request or the next ones, for the breaker's open period), the request goes
   * straight to another provider; with nothing else left the client gets the quota error without
   * anything being sent. A model that is gone stays the target's own: the provider's next target is
   * still tried.
   */
  @Test
  void anAccountOutOfCreditHoldsBackEveryTargetOfItsProvider() {
    PlannedTarget a2 = new PlannedTarget(target("a", "m2", 1), A, PlannedTarget.STABLE);
    PlannedTarget b = planned(B, 2);
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 60_000L, 20, 60_000L, 30_000L);
    RoutingTable.Policy policy = policy(1, 10, 2_000, breaker);
    UpstreamFailure noCredit = status(FailureKind.TARGET_UNUSABLE, 402, null);

    Future<String> first =
        chain.execute(List.of(TA, a2, b), request(policy, List.of(TA, a2, b)), script(noCredit));

    assertThat(first.result()).isEqualTo("answer from b/m");
    assertThat(calls).containsExactly("a/m", "b/m");

    calls.clear();
    Future<String> next =
        chain.execute(List.of(TA, a2, b), request(policy, List.of(TA, a2, b)), script());
    assertThat(next.result()).isEqualTo("answer from b/m");
    assertThat(calls).containsExactly("b/m");

    // With only the provider's targets left nothing is sent: the account's 502, no attempt.
    calls.clear();
    RequestContext only = request(policy, List.of(TA, a2));
    UpstreamFailure held = (UpstreamFailure) chain.execute(List.of(TA, a2), only, script()).cause();
    assertThat(calls).isEmpty();
    assertThat(held.nothingSent()).isTrue();
    assertThat(ErrorMapping.toOpenAiError(held, only).code()).isEqualTo("upstream_quota_exhausted");

    // The hold lasts as long as a breaker stays open; then the provider is tried again.
    clock.advance(30_000);
    assertThat(chain.execute(List.of(TA, a2), request(policy, List.of(TA, a2)), script()).result())
        .isEqualTo("answer from a/m");

    // A retired model is the target's own failure: the provider's next target is tried.
    calls.clear();
    Future<String> retired =
        chain.execute(
            List.of(TA, a2, b),
            request(policy, List.of(TA, a2, b)),
            script(status(FailureKind.TARGET_UNUSABLE, 404, null)));
    assertThat(retired.result()).isEqualTo("answer from a/m2");
    assertThat(calls).containsExactly("a/m", "a/m2");
  }

  /**
   * A chain whose every target failed, or was skipped, for a lasting reason of the gateway's own (a
   * model not served, an account out of credit, a rejected key) ends lasting, so the client is told
   * not to retry (SDKs retry a 502 twice); one where a target failed for a reason that may pass (a
   * 5xx) does not, though its last failure is the same out-of-credit one.
   */
  @Test
  void aChainEndsLastingOnlyWhenEveryTargetFailedForALastingReason() {
    RoutingTable.CircuitBreaker breaker =
        new RoutingTable.CircuitBreaker(50, 60_000L, 20, 60_000L, 30_000L);
    RoutingTable.Policy policy = policy(1, 10, 2_000, breaker);
    UpstreamFailure noCredit = status(FailureKind.TARGET_UNUSABLE, 402, null);

    // A's 5xx may pass: B out of credit ends the chain, but a retry may find A serving.
    UpstreamFailure mixed =
        (UpstreamFailure)
            chain
                .execute(
                    List.of(TA, TB),
                    request(policy, List.of(TA, TB)),
                    script(status(FailureKind.SERVER_ERROR, 500, null), noCredit))
                .cause();
    assertThat(calls).containsExactly("a/m", "b/m");
    assertThat(mixed.kind()).isEqualTo(FailureKind.TARGET_UNUSABLE);
    assertThat(mixed.lasting()).isFalse();

    // B's account is held now: a model A does not serve, then B skipped for its account.
    calls.clear();
    RequestContext gone = request(policy, List.of(TA, TB));
    UpstreamFailure lasting =
        (UpstreamFailure)
            chain
                .execute(
                    List.of(TA, TB), gone, script(status(FailureKind.TARGET_UNUSABLE, 404, null)))
                .cause();
    assertThat(calls).containsExactly("a/m");
    assertThat(lasting.lasting()).isTrue();
    assertThat(ErrorMapping.toOpenAiError(lasting, gone).code())
        .isEqualTo("upstream_model_not_found");

    // Only B's held account, nothing sent: lasting as well.
    calls.clear();
    UpstreamFailure held =
        (UpstreamFailure)
            chain.execute(List.of(TB), request(policy, List.of(TB)), script()).cause();
    assertThat(calls).isEmpty();
    assertThat(held.nothingSent()).isTrue();
    assertThat(held.lasting()).isTrue();

    // A key the provider rejected is lasting too.
    calls.clear();
    UpstreamFailure rejected =
        (UpstreamFailure)
            chain
                .execute(
                    List.of(TA),
                    request(policy, List.of(TA)),
                    script(status(FailureKind.AUTH_REJECTED, 401, null)))
                .cause();
    assertThat(rejected.lasting()).isTrue();
  }

  @Test
  void nothingStartsAfterTheRequestDeadline() {
    RequestContext ctx = request(policy(1, 10, 2_000, null), List.of(TA, TB));
    ctx.deadlineNanos(clock.nanoTime() + 100_000_000L);
    Promise<String> slow = Promise.promise();

    Future<String> result =
        chain.execute(
            List.of(TA, TB),
            ctx,
            t -> {
              calls.add(t.id());
              return slow.future();
            });
    clock.advance(150);
    slow.fail(status(FailureKind.SERVER_ERROR, 500, null));

    assertThat(calls).containsExactly("a/m");
    assertThat(result.cause()).isInstanceOf(UpstreamFailure.class);
    UpstreamFailure failure = (UpstreamFailure) result.cause();
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertThat(failure.getMessage()).contains("deadline passed").contains("scripted 500");
  }

  @Test
  void aBackoffThatWouldOutliveTheDeadlineFailsOverAtOnce() {
    RequestContext ctx = request(policy(3, 1_000, 2_000, null), List.of(TA, TB));
    ctx.deadlineNanos(clock.nanoTime() + 200_000_000L);

    Future<String> result =
        chain.execute(
            List.of(TA, TB), ctx, script(status(FailureKind.SERVER_ERROR, 500, null), null));

    // 0.5 x 1000 ms of backoff does not fit into 200 ms: the next target now instead.
    assertThat(calls).containsExactly("a/m", "b/m");
    assertThat(result.succeeded()).isTrue();
    assertThat(clock.pendingTimers()).isZero();
  }

  /**
   * A target skipped for its full bulkhead is a skip, which costs no retry budget (RESILIENCE.md):
   * with a budget of exactly one retry, A's failure, B's full bulkhead and C's answer make one
   * retry — the request is served by C. (The retry used to be taken before the bulkhead was asked
   * and was lost with the skip, so C was refused for a spent budget.)
   */
  @Test
  void aFullBulkheadSkipCostsNoRetryBudget() {
    RoutingTable.Provider narrow =
        provider("narrow", "http://127.0.0.1:9/v1", null, 1, null, null, Map.of());
    RoutingTable.Provider c =
        provider("c", "http://127.0.0.1:9/v1", null, null, null, null, Map.of());
    PlannedTarget tb = planned(narrow, 1);
    PlannedTarget tc = planned(c, 2);
    // ratio 1.0 and no floor: one request allows exactly one retry in the window.
    RoutingTable.Policy oneRetry =
        new RoutingTable.Policy(
            "pol",
            "priority",
            null,
            List.of(),
            new RoutingTable.Retry(1, 10L, 2_000L, 2.0, "full", null, true, 1.0, 0, null),
            true,
            null,
            List.of(),
            null,
            null,
            null);
    // B's one slot is taken and its one queue place too: a further request is refused at once.
    ProviderGuard bGuard = registry.guard(narrow);
    Future<SlotPermit> held = bGuard.acquire("m");
    Future<SlotPermit> queued = bGuard.acquire("m");
    assertThat(held.succeeded()).isTrue();
    assertThat(queued.isComplete()).isFalse();

    Future<String> result =
        chain.execute(
            List.of(TA, tb, tc),
            request(oneRetry, List.of(TA, tb, tc)),
            script(status(FailureKind.SERVER_ERROR, 500, null), null));

    assertThat(calls).containsExactly("a/m", "c/m");
    assertThat(result.result()).isEqualTo("answer from c/m");
  }

  /**
   * A failure after the answer's head arrived (the provider very likely generated and billed it) is
   * not retried on the same target, whatever {@code maxAttempts} allows: the next target is tried
   * instead.
   */
  @Test
  void aFailureAfterTheAnswersHeadFailsOverInsteadOfResendingToTheSameTarget() {
    RequestContext ctx = request(policy(3, 10, 2_000, null), List.of(TA, TB));
    UpstreamFailure brokenOff =
        new UpstreamFailure(FailureKind.CONNECT, "a/m connection reset").afterAnswerHead(200);

    Future<String> result = chain.execute(List.of(TA, TB), ctx, script(brokenOff, null));

    assertThat(calls).containsExactly("a/m", "b/m");
    assertThat(result.result()).isEqualTo("answer from b/m");
    assertThat(brokenOff.answerStarted()).isTrue();
    assertThat(brokenOff.getMessage()).contains("after its answer's head (HTTP 200) arrived");
  }

  /**
   * With every target unavailable, the one probe goes to a target skipped for the gateway's own
   * verdict (here B, unhealthy), never past A's provider-given Retry-After; with only the
   * Retry-After left, nothing is sent and the request ends rate limited, with the wait.
   */
  @Test
  void theProbeSkipsATargetCoolingDownAndWithoutAnyOtherTheAnswerIsALocal429() {
    registry.coolDown("a/m", 30_000);
    registry.guard(B).healthy(false);

    Future<String> probed =
        chain.execute(
            List.of(TA, TB), request(policy(1, 10, 2_000, null), List.of(TA, TB)), script());

    assertThat(calls).containsExactly("b/m");
    assertThat(probed.result()).isEqualTo("answer from b/m");

    calls.clear();
    clock.advance(10_000);
    Future<String> held =
        chain.execute(List.of(TA), request(policy(1, 10, 2_000, null), List.of(TA)), script());

    assertThat(calls).isEmpty();
    UpstreamFailure failure = (UpstreamFailure) held.cause();
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.heldBack()).isTrue();
    assertThat(failure.retryAfter()).isEqualTo("20");
    assertThat(failure.retryAfterMs()).isEqualTo("20000");

    // 120 ms before the cool-down ends: Retry-After says a whole second, retry-after-ms (which
    // the SDKs read first) what is left.
    clock.advance(20_000 - 120);
    UpstreamFailure soon =
        (UpstreamFailure)
            chain
                .execute(List.of(TA), request(policy(1, 10, 2_000, null), List.of(TA)), script())
                .cause();
    assertThat(calls).isEmpty();
    assertThat(soon.retryAfter()).isEqualTo("1");
    assertThat(soon.retryAfterMs()).isEqualTo("120");
  }

  @Test
  void anOpenBreakerSkipsTheTargetUntilItsOpenPeriodPassedOnTheClock() {
    RoutingTable.CircuitBreaker cb =
        new RoutingTable.CircuitBreaker(50, 60_000L, 2, 10_000L, 1_000L);
    RoutingTable.Policy policy = policy(1, 10, 2_000, cb);
    for (int i = 0; i < 2; i++) {
      chain.execute(
          List.of(TA, TB),
          request(policy, List.of(TA, TB)),
          script(status(FailureKind.SERVER_ERROR, 500, null), null));
    }
    assertThat(registry.breakerState("a/m"))
        .hasValue(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN);
    calls.clear();

    chain.execute(
        List.of(TA, TB), request(policy, List.of(TA, TB)), script((UpstreamFailure) null));
    assertThat(calls).containsExactly("b/m");

    // Resilience4j lets a probe through once the open period is over (strictly after it).
    calls.clear();
    clock.advance(1_000);
    chain.execute(
        List.of(TA, TB), request(policy, List.of(TA, TB)), script((UpstreamFailure) null));
    assertThat(calls).containsExactly("b/m");
    calls.clear();
    clock.advance(1);
    chain.execute(
        List.of(TA, TB), request(policy, List.of(TA, TB)), script((UpstreamFailure) null));
    assertThat(calls).containsExactly("a/m");
    assertThat(registry.breakerState("a/m"))
        .hasValue(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.HALF_OPEN);
  }

  @Test
  void aCanaryTargetKeptOutByItsOpenBreakerCountsAsAFailedCanaryAttempt() {
    dev.switchboard.gateway.metrics.GatewayMetrics metrics =
        new dev.switchboard.gateway.metrics.GatewayMetrics();
    FailoverChain accounted =
        new FailoverChain(
            new dev.switchboard.gateway.metrics.AttemptAccounting(metrics),
            clock,
            registry,
            () -> 0.5);
    PlannedTarget canary = new PlannedTarget(TA.target(), A, PlannedTarget.CANARY);
    RoutingTable.CircuitBreaker cb =
        new RoutingTable.CircuitBreaker(50, 60_000L, 2, 10_000L, 60_000L);
    RoutingTable.Policy policy = policy(1, 10, 2_000, cb);
    for (int i = 0; i < 2; i++) {
      accounted.execute(
          List.of(canary, TB),
          request(policy, List.of(canary, TB)),
          script(status(FailureKind.SERVER_ERROR, 500, null), null));
    }
    calls.clear();
    // Its breaker is open: three requests are answered by stable without calling the canary.
    for (int i = 0; i < 3; i++) {
      accounted.execute(
          List.of(canary, TB),
          request(policy, List.of(canary, TB)),
          script((UpstreamFailure) null));
    }
    assertThat(calls).containsExactly("b/m", "b/m", "b/m");

    // Each is a failed canary attempt in the series the canary analysis reads.
    assertThat(attempts(metrics, "canary", "circuit_open")).isEqualTo(3.0);
    assertThat(attempts(metrics, "canary", "server_error")).isEqualTo(2.0);
    // Only the canary's: stable is never judged on its errors, and a skip is no upstream error.
    assertThat(metrics.scrape()).doesNotContain("error_class=\"circuit_open\"");
  }

  private static double attempts(
      dev.switchboard.gateway.metrics.GatewayMetrics metrics, String arm, String outcome) {
    return java.util.Arrays.stream(metrics.scrape().split("\n"))
        .filter(l -> l.startsWith("switchboard_upstream_attempts_total{"))
        .filter(l -> l.contains("arm=\"" + arm + "\"") && l.contains("outcome=\"" + outcome + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
