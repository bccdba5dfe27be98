package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.SkipReason;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.UpstreamClients;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResilienceRegistryTest {

  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ResilienceRegistry registry =
      new ResilienceRegistry(vertx, new UpstreamClients(vertx), meters, name -> Optional.empty());

  @AfterEach
  void close() throws Exception {
    registry.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static RoutingTable table(Integer maxConcurrency, boolean withB) {
    List<RoutingTable.Provider> providers =
        withB
            ? List.of(
                provider("a", "http://127.0.0.1:9/v1", null, maxConcurrency, null, null, Map.of()),
                provider("b", "http://127.0.0.1:9/v1", null, null, null, null, Map.of()))
            : List.of(
                provider("a", "http://127.0.0.1:9/v1", null, maxConcurrency, null, null, Map.of()));
    List<RoutingTable.Route> routes =
        withB
            ? List.of(policyRoute("r", "p", target("a", "m", 0), target("b", "m", 1)))
            : List.of(policyRoute("r", "p", target("a", "m", 0)));
    return TestTables.table(
        providers, List.of(policy("p", 1, 100, 0.2, 1, null, List.of())), routes);
  }

  private static PlannedTarget planned(RoutingTable table, String provider) {
    return new PlannedTarget(
        target(provider, "m", 0), table.providers().get(provider), PlannedTarget.STABLE);
  }

  /** Skip and retry-budget counters of targets and routes gone from the table go with them. */
  @Test
  void reloadDropsTheCountersOfRemovedTargetsAndRoutes() {
    registry.reconcile(table(4, true));
    registry.recordSkip("a/m", SkipReason.CIRCUIT_OPEN);
    registry.recordSkip("b/m", SkipReason.CIRCUIT_OPEN);
    registry.recordBudgetExhausted("r");
    registry.recordBudgetExhausted("gone");

    registry.reconcile(table(4, false));

    assertThat(meters.find("switchboard_resilience_skips").counters())
        .singleElement()
        .satisfies(c -> assertThat(c.getId().getTag("target")).isEqualTo("a/m"));
    assertThat(meters.find("switchboard_retry_budget_exhausted").counters())
        .singleElement()
        .satisfies(c -> assertThat(c.getId().getTag("route")).isEqualTo("r"));
  }

  @Test
  void reloadKeepsStateOfUnchangedTargetsAndDropsRemovedOnes() {
    RoutingTable first = table(4, true);
    registry.reconcile(first);
    ResiliencePolicy policy = ResiliencePolicy.of(first.policies().get("p"));
    CircuitBreaker a = registry.breaker(planned(first, "a"), policy);
    CircuitBreaker b = registry.breaker(planned(first, "b"), policy);
    a.transitionToOpenState();
    ProviderGuard guardA = registry.guard(first.providers().get("a"));
    assertThat(meters.find("switchboard_circuit_breaker_state").tag("target", "b/m").gauges())
        .hasSize(3);

    RoutingTable second = table(4, false);
    registry.reconcile(second);

    assertThat(registry.breaker(planned(second, "a"), policy)).isSameAs(a);
    assertThat(registry.breakerState("a/m")).contains(CircuitBreaker.State.OPEN);
    assertThat(registry.breakerState("b/m")).isEmpty();
    assertThat(registry.guard(second.providers().get("a"))).isSameAs(guardA);
    assertThat(meters.find("switchboard_circuit_breaker_state").tag("target", "b/m").gauges())
        .isEmpty();
    assertThat(meters.find("switchboard_provider_healthy").tag("provider", "b").gauges()).isEmpty();
    assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED); // dropped, not reused
  }

  @Test
  void changedProtectionSettingsGetFreshState() {
    RoutingTable first = table(4, false);
    registry.reconcile(first);
    ProviderGuard before = registry.guard(first.providers().get("a"));
    RoutingTable second = table(8, false);
    registry.reconcile(second);
    ProviderGuard after = registry.guard(second.providers().get("a"));
    assertThat(after).isNotSameAs(before);
    assertThat(after.bulkhead().max()).isEqualTo(8);
  }

  /**
   * A request planned on the previous table asks for its provider's guard with the previous record:
   * it must get the guard in force, not rebuild one with the old settings (which the next new-table
   * request would rebuild again, each time forgetting the permits in flight).
   */
  @Test
  void aRequestOnThePreviousTableDoesNotRebuildTheProvidersBulkhead() throws Exception {
    ManualClock clock = new ManualClock();
    ResilienceRegistry manual =
        new ResilienceRegistry(
            vertx, new UpstreamClients(vertx), meters, name -> Optional.empty(), clock);
    RoutingTable first = table(4, false);
    manual.reconcile(first);
    RoutingTable second = table(1, false);
    manual.reconcile(second);
    List<Future<SlotPermit>> tried =
        onContext(
            () -> {
              Future<SlotPermit> held = manual.guard(second.providers().get("a")).acquire("m");
              // An attempt planned on the first table, still running after the reload.
              manual.guard(first.providers().get("a"));
              // Queue one and overflow in the same event-loop turn (max 1: a queue of 1).
              ProviderGuard now = manual.guard(second.providers().get("a"));
              return List.of(held, now.acquire("m"), now.acquire("m"));
            });
    assertThat(tried.get(0).succeeded()).isTrue();
    assertThat(tried.get(1).isComplete()).isFalse(); // waits: the one slot is taken
    assertThat(tried.get(2).failed()).isTrue();
    assertThat(tried.get(2).cause()).isInstanceOf(Bulkhead.FullException.class);
    ProviderGuard inForce = manual.guard(second.providers().get("a"));
    assertThat(inForce.bulkhead().max()).isEqualTo(1);
    assertThat(inForce.endpointInFlight()).isEqualTo(1);
    clock.advance(Bulkhead.MAX_WAIT_MS);
    Throwable expired =
        tried
            .get(1)
            .transform(ar -> Future.succeededFuture(ar.cause()))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertThat(expired).isInstanceOf(Bulkhead.FullException.class);
    manual.close();
  }

  /** The same for a local provider quota: an old-table request does not refill the bucket. */
  @Test
  void aRequestOnThePreviousTableDoesNotRefillTheProvidersQuota() throws Exception {
    ManualClock clock = new ManualClock();
    ResilienceRegistry manual =
        new ResilienceRegistry(
            vertx, new UpstreamClients(vertx), meters, name -> Optional.empty(), clock);
    RoutingTable first = quotaTable(5);
    manual.reconcile(first);
    RoutingTable second = quotaTable(1);
    manual.reconcile(second);
    List<Boolean> taken =
        onContext(
            () -> {
              boolean one = manual.guard(second.providers().get("a")).takeQuota().result();
              manual.guard(first.providers().get("a")); // a request planned on the first table
              boolean two = manual.guard(second.providers().get("a")).takeQuota().result();
              return List.of(one, two);
            });
    assertThat(taken).containsExactly(true, false); // requestsPerMinute 1: one request a minute
    manual.close();
  }

  private static RoutingTable quotaTable(int requestsPerMinute) {
    return TestTables.table(
        List.of(
            provider(
                "a",
                "http://127.0.0.1:9/v1",
                null,
                null,
                new RoutingTable.Quota(requestsPerMinute, null),
                null,
                Map.of())),
        List.of(policy("p", 1, 100, 0.2, 1, null, List.of())),
        List.of(policyRoute("r", "p", target("a", "m", 0))));
  }

  /**
   * A provider's account held back as out of credit is tried again as soon as its key changes (a
   * rotated or topped-up key from the key source), as a credentials rejection is: the hold names
   * the key it was found with, not the provider.
   */
  @Test
  void aNewProviderKeyEndsTheAccountHoldAtOnce() throws Exception {
    ManualClock clock = new ManualClock();
    java.util.concurrent.atomic.AtomicReference<String> key =
        new java.util.concurrent.atomic.AtomicReference<>("sk-empty");
    ResilienceRegistry manual =
        new ResilienceRegistry(
            vertx, new UpstreamClients(vertx), meters, name -> Optional.of(key.get()), clock);
    RoutingTable table = table(null, true);
    manual.reconcile(table);
    manual.holdAccount("a", 30_000);
    manual.holdAccount("b", 30_000);
    manual.credentialsRejected(table.providers().get("a"));

    clock.advance(1_000);
    assertThat(manual.accountHeldMs("a")).isEqualTo(29_000);
    key.set("sk-rotated");

    assertThat(manual.accountHeldMs("a")).isZero();
    assertThat(manual.credentialsRejected("a")).isFalse();
    // Only a new key ends it: a hold taken with the current key lasts its time.
    manual.holdAccount("a", 30_000);
    clock.advance(29_999);
    assertThat(manual.accountHeldMs("a")).isEqualTo(1);
    manual.close();
  }

  /** Runs {@code body} on an event loop and waits for its result. */
  private <T> T onContext(Supplier<T> body) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          try {
            result.complete(body.get());
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result.get(10, TimeUnit.SECONDS);
  }

  @Test
  void breakerStateIsExportedAsOneGaugePerState() {
    RoutingTable t = table(null, false);
    registry.reconcile(t);
    CircuitBreaker a =
        registry.breaker(planned(t, "a"), ResiliencePolicy.of(t.policies().get("p")));
    a.transitionToOpenState();
    assertThat(gauge("a/m", "open")).isEqualTo(1.0);
    assertThat(gauge("a/m", "closed")).isZero();
    assertThat(gauge("a/m", "half_open")).isZero();
  }

  /** How long the breakers of {@link #breakerTable} stay open. */
  private static final long OPEN_FOR_MS = 1_000;

  /** One target whose breaker one failure opens and one probe decides, open for a second. */
  private static RoutingTable breakerTable() {
    RoutingTable.CircuitBreaker cb =
        new RoutingTable.CircuitBreaker(50, 60_000L, 1, 10_000L, OPEN_FOR_MS);
    return TestTables.table(
        List.of(provider("a", "http://127.0.0.1:9/v1", null, null, null, null, Map.of())),
        List.of(policy("p", 1, 100, 0.2, 1, cb, List.of())),
        List.of(policyRoute("r", "p", target("a", "m", 0))));
  }

  /**
   * Resilience4j moves an open breaker to half-open only when a request asks it; what the gateway
   * reports (gauges, /admin/config, breakerState) is the state in effect: past its open period an
   * open breaker is half-open (its next request is a probe), though nobody asked it, and reading it
   * neither moves it nor takes its probe.
   */
  @Test
  void anOpenBreakerIsReportedHalfOpenOnceItsOpenPeriodIsOverThoughNoRequestAskedIt() {
    ManualClock clock = new ManualClock();
    ResilienceRegistry manual =
        new ResilienceRegistry(
            vertx, new UpstreamClients(vertx), meters, name -> Optional.empty(), clock);
    RoutingTable t = breakerTable();
    manual.reconcile(t);
    CircuitBreaker a = manual.breaker(planned(t, "a"), ResiliencePolicy.of(t.policies().get("p")));
    assertReported(manual, "closed");

    fail(a);
    assertReported(manual, "open");

    // Resilience4j admits the probe strictly after the open period: at its end, still open.
    clock.advance(OPEN_FOR_MS);
    assertReported(manual, "open");
    assertThat(a.tryAcquirePermission()).isFalse();

    clock.advance(1);
    assertReported(manual, "half_open");
    assertReported(manual, "half_open"); // a second scrape: reading took nothing
    assertThat(a.getState()).isEqualTo(CircuitBreaker.State.OPEN); // not moved by the readers
    // The next request is the probe (the only one: the readers took none), the one after waits.
    assertThat(a.tryAcquirePermission()).isTrue();
    assertThat(a.tryAcquirePermission()).isFalse();
    assertReported(manual, "half_open");

    // The probe fails: open again, for another whole period from now.
    a.onError(0, a.getTimestampUnit(), new IllegalStateException("HTTP 500"));
    assertReported(manual, "open");
    clock.advance(OPEN_FOR_MS);
    assertReported(manual, "open");
    clock.advance(1);
    assertReported(manual, "half_open");

    // A probe that succeeds closes it.
    assertThat(a.tryAcquirePermission()).isTrue();
    a.onSuccess(0, a.getTimestampUnit());
    assertReported(manual, "closed");
    clock.advance(10 * OPEN_FOR_MS);
    assertReported(manual, "closed");
  }

  /**
   * The reported state is the one the next request meets, to the millisecond, even when the clock
   * moves while the breaker opens (here: a millisecond on every reading): the open period starts at
   * the breaker's own reading, not at one taken before or after it.
   */
  @Test
  void theReportedStateIsWhatTheNextRequestMeetsToTheMillisecond() {
    TickingClock clock = new TickingClock();
    ResilienceRegistry manual =
        new ResilienceRegistry(
            vertx, new UpstreamClients(vertx), meters, name -> Optional.empty(), clock);
    RoutingTable t = breakerTable();
    manual.reconcile(t);
    CircuitBreaker a = manual.breaker(planned(t, "a"), ResiliencePolicy.of(t.policies().get("p")));

    clock.ticking = true;
    fail(a);
    clock.ticking = false;
    assertThat(a.getState()).isEqualTo(CircuitBreaker.State.OPEN);

    long refused = 0;
    while (true) {
      CircuitBreaker.State reported = manual.breakerState("a/m").orElseThrow();
      boolean admitted = a.tryAcquirePermission();
      assertThat(reported)
          .as("reported after %d ms refused", refused)
          .isEqualTo(admitted ? CircuitBreaker.State.HALF_OPEN : CircuitBreaker.State.OPEN);
      if (admitted) {
        break;
      }
      refused++;
      clock.advance(1);
    }
    assertThat(refused).isBetween(OPEN_FOR_MS - 5, OPEN_FOR_MS + 1);
  }

  /** A request's failure as the failover chain records it: admitted, then failed. */
  private static void fail(CircuitBreaker breaker) {
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onError(0, breaker.getTimestampUnit(), new IllegalStateException("HTTP 500"));
  }

  /** Every reader of target a/m's breaker state reports {@code label}. */
  private void assertReported(ResilienceRegistry registry, String label) {
    for (String state : List.of("closed", "open", "half_open")) {
      assertThat(gauge("a/m", state)).as(state).isEqualTo(state.equals(label) ? 1.0 : 0.0);
    }
    assertThat(registry.summary().get("circuitBreakers")).isEqualTo(Map.of("a/m", label));
    assertThat(registry.breakerState("a/m").map(ResilienceRegistry::stateLabel)).hasValue(label);
  }

  /** A manual clock that, while {@code ticking}, moves a millisecond on every reading. */
  private static final class TickingClock implements dev.switchboard.gateway.time.GatewayClock {
    private final ManualClock clock = new ManualClock();
    volatile boolean ticking;

    void advance(long ms) {
      clock.advance(ms);
    }

    @Override
    public long currentTimeMillis() {
      if (ticking) {
        clock.advance(1);
      }
      return clock.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
      return clock.nanoTime();
    }

    @Override
    public long setTimer(long delayMs, io.vertx.core.Handler<Long> handler) {
      return clock.setTimer(delayMs, handler);
    }

    @Override
    public long setPeriodic(long periodMs, io.vertx.core.Handler<Long> handler) {
      return clock.setPeriodic(periodMs, handler);
    }

    @Override
    public boolean cancelTimer(long id) {
      return clock.cancelTimer(id);
    }
  }

  @Test
  void healthCheckersFollowTheTable() {
    RoutingTable.HealthCheck hc = new RoutingTable.HealthCheck(60_000L, 1_000L, 1, 1);
    RoutingTable checked =
        TestTables.table(
            List.of(provider("a", "http://127.0.0.1:9/v1", null, null, null, hc, Map.of())),
            List.of(),
            List.of(policyRoute("r", null, target("a", "m", 0))));
    registry.reconcile(checked);
    assertThat(registry.healthCheckedProviders()).containsExactly("a");
    registry.reconcile(table(null, false)); // same provider, health check removed
    assertThat(registry.healthCheckedProviders()).isEmpty();
    registry.reconcile(checked);
    assertThat(registry.healthCheckedProviders()).containsExactly("a");
    registry.reconcile(TestTables.table(List.of(), List.of(), List.of()));
    assertThat(registry.healthCheckedProviders()).isEmpty();
  }

  @Test
  void retryAfterCoolDownIsPerTarget() {
    registry.coolDown("a/m", 60_000);
    assertThat(registry.coolingDown("a/m")).isTrue();
    assertThat(registry.coolingDown("a/other")).isFalse();
  }

  private double gauge(String target, String state) {
    return meters
        .get("switchboard_circuit_breaker_state")
        .tag("target", target)
        .tag("state", state)
        .gauge()
        .value();
  }
}
