package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.SkipReason;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.time.VertxClock;
import dev.switchboard.gateway.upstream.UpstreamClients;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * All resilience state of one gateway replica: circuit breakers per target, guards (bulkhead,
 * quota, health, Retry-After cool-down) and health checkers per provider, retry budgets per route,
 * client rate-limit buckets. State is keyed by name so that a routing-table reload ({@link
 * #reconcile}) keeps it for unchanged targets and providers and drops what was removed; a provider
 * whose protection settings changed gets fresh state, once per applied table. The gateway
 * reconciles a table before it serves, so requests on it find its state; requests still running on
 * the previous table use the state in force (see {@link #guard}).
 *
 * <p>Exports {@code switchboard_circuit_breaker_state{target,state}} (1 for the state the breaker
 * is in effect, 0 for the others: see {@link OpenPeriod}), {@code
 * switchboard_provider_healthy{provider}} and {@code
 * switchboard_provider_credentials_rejected{provider}}.
 */
public final class ResilienceRegistry {

  /** The breaker states exported as metric labels. */
  private static final List<CircuitBreaker.State> EXPORTED_STATES =
      List.of(
          CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);

  private record Breaker(
      ResiliencePolicy.BreakerSettings settings, CircuitBreaker breaker, OpenPeriod openPeriod) {

    /** The state the breaker is in at the gateway clock's now, as its next request meets it. */
    CircuitBreaker.State inEffect() {
      return openPeriod.inEffect(breaker.getState());
    }
  }

  private record Checker(Object fingerprint, HealthChecker checker) {}

  private final Vertx vertx;
  private final UpstreamClients clients;
  private final MeterRegistry meters;
  private final Function<String, Optional<String>> keys;
  private final GatewayClock clock;
  private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();
  private final Map<String, CircuitBreaker> embedderBreakers = new ConcurrentHashMap<>();
  private final Map<String, List<Meter>> breakerGauges = new ConcurrentHashMap<>();
  private final Map<String, ProviderGuard> guards = new ConcurrentHashMap<>();
  private final Map<String, Meter> healthGauges = new ConcurrentHashMap<>();
  private final Map<String, Meter> credentialGauges = new ConcurrentHashMap<>();
  private final Map<String, Checker> checkers = new ConcurrentHashMap<>();
  private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();
  private final Map<String, Long> coolDownUntil = new ConcurrentHashMap<>();

  /** Per provider name: until when its account is taken to be out of credit, and with which key. */
  private final Map<String, AccountHold> accountHeldUntil = new ConcurrentHashMap<>();

  /**
   * An account hold: until when (epoch millis), and the digest of the key the gateway held for the
   * provider when it was found out of credit ({@link ProviderGuard#keyDigest}); a new key (another
   * account, or the same one topped up and rotated) ends the hold, as it ends a credentials
   * rejection.
   */
  private record AccountHold(long until, String keyDigest) {}

  /** The providers of the table {@link #reconcile} applied last, by name. */
  private volatile Map<String, RoutingTable.Provider> inForce = Map.of();

  /**
   * Per target, the breaker settings of the routes of the applied table that use it: a target
   * shared by routes whose policies set different settings keeps one breaker (built with the
   * settings of the route that used it first) instead of having it rebuilt by each route in turn.
   */
  private volatile Map<String, Set<ResiliencePolicy.BreakerSettings>> breakerSettingsInUse =
      Map.of();

  private final ClientRateLimiter rateLimiter;
  private volatile ProviderGuard.Leases leases;
  private volatile boolean closed;

  /**
   * @param keys the current provider key by provider name (for health probes)
   */
  public ResilienceRegistry(
      Vertx vertx,
      UpstreamClients clients,
      MeterRegistry meters,
      Function<String, Optional<String>> keys) {
    this(vertx, clients, meters, keys, new VertxClock(vertx));
  }

  /**
   * @param clock time of breakers, buckets, budgets, cool-downs, bulkhead waits and health probes
   */
  public ResilienceRegistry(
      Vertx vertx,
      UpstreamClients clients,
      MeterRegistry meters,
      Function<String, Optional<String>> keys,
      GatewayClock clock) {
    this.vertx = vertx;
    this.clients = clients;
    this.meters = meters;
    this.keys = keys;
    this.clock = clock;
    this.rateLimiter = new ClientRateLimiter(clock::nanoTime);
  }

  /** Client rate limits (per replica). */
  public ClientRateLimiter rateLimiter() {
    return rateLimiter;
  }

  /** The route's retry budget, created on first use, re-configured from the current policy. */
  public RetryBudget budget(String route, ResiliencePolicy policy) {
    RetryBudget budget =
        budgets.computeIfAbsent(
            route,
            r ->
                new RetryBudget(
                    policy.budgetRatio(), policy.budgetMinPerSecond(), clock::nanoTime));
    budget.configure(policy.budgetRatio(), policy.budgetMinPerSecond());
    return budget;
  }

  /**
   * Keeps {@code concurrencyScope: global} caps in {@code store} and provider quotas in {@code
   * quotas} from now on (guards built before are rebuilt on their next use). Without a store,
   * global caps and quotas count per replica.
   */
  public void useLeaseStore(
      LeaseStore store, QuotaStore quotas, long leaseMs, long renewMs, String holder) {
    this.leases =
        store == null ? null : new ProviderGuard.Leases(store, leaseMs, renewMs, holder, quotas);
  }

  /**
   * The provider's guard in force, created on first use. Only {@link #reconcile} (the applied
   * table) replaces a guard whose protection settings changed: a request planned on the previous
   * table passes that table's record, and building a guard from it would replace the newer table's
   * guard, which the next new request would replace again — each swap a fresh bulkhead with nothing
   * in flight and a full quota bucket, so the limits were exceeded. Such a request gets the guard
   * in force (the newer settings). A guard built before {@link #useLeaseStore} is rebuilt here,
   * from the record of the applied table when there is one.
   */
  public ProviderGuard guard(RoutingTable.Provider provider) {
    ProviderGuard guard = guards.get(provider.name());
    ProviderGuard.Leases currentLeases = leases;
    if (guard != null && guard.leases() == currentLeases) {
      return guard;
    }
    return guards.compute(
        provider.name(),
        (name, old) -> {
          if (old != null && old.leases() == currentLeases) {
            return old;
          }
          return build(name, inForce.getOrDefault(name, provider), old, currentLeases);
        });
  }

  /** The guard for the applied table's {@code provider}: rebuilt when its settings changed. */
  private ProviderGuard install(RoutingTable.Provider provider) {
    ProviderGuard.Leases currentLeases = leases;
    return guards.compute(
        provider.name(),
        (name, old) -> {
          if (old != null && old.sameSettings(provider) && old.leases() == currentLeases) {
            return old;
          }
          return build(name, provider, old, currentLeases);
        });
  }

  private ProviderGuard build(
      String name,
      RoutingTable.Provider provider,
      ProviderGuard old,
      ProviderGuard.Leases currentLeases) {
    ProviderGuard fresh = new ProviderGuard(vertx, clock, provider, currentLeases);
    if (old != null) {
      fresh.healthy(old.healthy());
      fresh.inheritCredentialState(old);
    }
    registerHealthGauge(name);
    return fresh;
  }

  /**
   * Records that the provider answered 401/403 to the gateway's current key: exported as {@code
   * switchboard_provider_credentials_rejected{provider} 1} (the operator turns it into {@code
   * Healthy=False CredentialsRejected}) until a call succeeds or the key changes.
   */
  public void credentialsRejected(RoutingTable.Provider provider) {
    guard(provider).rejectCredentials(keys.apply(provider.name()));
  }

  /** Records that the provider accepted the gateway's key (clears a standing rejection). */
  public void credentialsAccepted(RoutingTable.Provider provider) {
    guard(provider).credentialsAccepted();
  }

  /** Whether the provider rejected the key the gateway holds for it now. */
  public boolean credentialsRejected(String provider) {
    ProviderGuard g = guards.get(provider);
    return g != null && g.rejects(keys.apply(provider));
  }

  /**
   * The target's circuit breaker with the route policy's settings. A target shared by routes with
   * different settings has one breaker, with the settings it was built with while a route of the
   * applied table still uses them; a reload that changes them gives it a fresh breaker.
   */
  public CircuitBreaker breaker(PlannedTarget target, ResiliencePolicy policy) {
    String id = target.id();
    Breaker current = breakers.get(id);
    if (current != null && keeps(id, current, policy)) {
      return current.breaker();
    }
    return breakers
        .compute(
            id,
            (k, old) -> {
              if (old != null && keeps(id, old, policy)) {
                return old;
              }
              Breaker b = create(id, policy.breaker());
              registerBreakerGauges(id);
              return b;
            })
        .breaker();
  }

  private boolean keeps(String id, Breaker breaker, ResiliencePolicy policy) {
    if (breaker.settings().equals(policy.breaker())) {
      return true;
    }
    Set<ResiliencePolicy.BreakerSettings> inUse = breakerSettingsInUse.get(id);
    return inUse != null && inUse.contains(breaker.settings());
  }

  /**
   * The breaker of a semantic cache's provider embedder ({@code provider:NAME/MODEL}), with the
   * default settings: its own, not a route's (a route's breaker follows its policy's settings, and
   * an embedding failure says nothing about chat answers). Not removed on reload: one per embedder
   * a policy ever named, a handful.
   */
  public CircuitBreaker embedderBreaker(String embedderId) {
    return embedderBreakers.computeIfAbsent(
        embedderId, id -> create(id, ResiliencePolicy.BreakerSettings.DEFAULTS).breaker());
  }

  /**
   * Remembers a target's {@code Retry-After}: it is skipped until then. Per target, because
   * providers rate-limit per model (and deployment), not per account.
   */
  public void coolDown(String targetId, long millis) {
    long until = clock.currentTimeMillis() + millis;
    coolDownUntil.merge(targetId, until, Math::max);
  }

  /**
   * Holds back every target of {@code provider} for {@code millis}: its account answered that it is
   * out of credit ({@code FailureScope.ACCOUNT}), and each of its targets would answer the same.
   * Per provider, unlike a cool-down, because credit belongs to the account, not to a model.
   */
  public void holdAccount(String provider, long millis) {
    AccountHold hold =
        new AccountHold(
            clock.currentTimeMillis() + millis, ProviderGuard.keyDigest(keys.apply(provider)));
    accountHeldUntil.merge(
        provider,
        hold,
        (old, now) ->
            old.keyDigest().equals(now.keyDigest()) && old.until() > now.until() ? old : now);
  }

  /**
   * Milliseconds the provider's account stays held back (0: it is not). A hold ends early when the
   * provider's key changed since (the key source delivered a new one): that key is tried at once.
   */
  public long accountHeldMs(String provider) {
    if (accountHeldUntil.isEmpty()) {
      return 0; // the usual case: one size check per target tried
    }
    AccountHold hold = accountHeldUntil.get(provider);
    if (hold == null) {
      return 0;
    }
    long left = hold.until() - clock.currentTimeMillis();
    // Only while a hold stands: one digest of the provider's key per target of it tried.
    if (left <= 0 || !hold.keyDigest().equals(ProviderGuard.keyDigest(keys.apply(provider)))) {
      accountHeldUntil.remove(provider, hold);
      return 0;
    }
    return left;
  }

  /** Whether a recent {@code Retry-After} still asks us to stay away from the target. */
  public boolean coolingDown(String targetId) {
    Long until = coolDownUntil.get(targetId);
    if (until == null) {
      return false;
    }
    if (clock.currentTimeMillis() >= until) {
      coolDownUntil.remove(targetId, until);
      return false;
    }
    return true;
  }

  /** Milliseconds until the target's {@code Retry-After} cool-down ends (0: none stands). */
  public long coolDownRemainingMs(String targetId) {
    Long until = coolDownUntil.get(targetId);
    return until == null ? 0 : Math.max(0, until - clock.currentTimeMillis());
  }

  /**
   * Counts a target skipped without being called ({@code switchboard_resilience_skips{target,
   * reason}}, the reason's {@link SkipReason#wireName()}).
   */
  public void recordSkip(String targetId, SkipReason reason) {
    meters
        .counter("switchboard_resilience_skips", "target", targetId, "reason", reason.wireName())
        .increment();
  }

  /** Counts a retry or failover refused by the route's retry budget. */
  public void recordBudgetExhausted(String route) {
    meters.counter("switchboard_retry_budget_exhausted", "route", route).increment();
  }

  /**
   * The state a target's breaker is in effect at the gateway clock's now, if it has a breaker yet:
   * an open breaker whose open period is over is half-open (its next request is a probe), though no
   * request asked it yet. Reading it changes nothing.
   */
  public Optional<CircuitBreaker.State> breakerState(String targetId) {
    return Optional.ofNullable(breakers.get(targetId)).map(Breaker::inEffect);
  }

  /**
   * The circuit breaker the serving path built for a target, if a route of the applied table serves
   * it yet; never builds one (a target no route serves has no breaker to consult).
   */
  public Optional<CircuitBreaker> existingBreaker(String targetId) {
    return Optional.ofNullable(breakers.get(targetId)).map(Breaker::breaker);
  }

  /**
   * A JSON-friendly summary for admin views: breaker states (in effect, as {@link #breakerState}),
   * provider health and bulkheads.
   */
  public Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, String> states = new java.util.TreeMap<>();
    breakers.forEach((id, b) -> states.put(id, stateLabel(b.inEffect())));
    out.put("circuitBreakers", states);
    Map<String, Object> providers = new java.util.TreeMap<>();
    guards.forEach(
        (name, g) -> {
          Map<String, Object> p = new LinkedHashMap<>();
          p.put("healthy", g.healthy());
          p.put("credentialsRejected", g.rejects(keys.apply(name)));
          p.put("quotaAvailable", g.quotaAvailable());
          long heldMs = accountHeldMs(name);
          if (heldMs > 0) {
            p.put("accountExhaustedForMs", heldMs);
          }
          if (g.bulkhead() != null) {
            p.put("inFlight", g.endpointInFlight());
            p.put("maxConcurrency", g.bulkhead().max());
          }
          if (g.globalConcurrency()) {
            p.put("concurrencyScope", RoutingTable.Provider.SCOPE_GLOBAL);
          }
          Map<String, Object> models = new java.util.TreeMap<>();
          g.modelConcurrency()
              .forEach((m, c) -> models.put(m, Map.of("maxConcurrency", c[0], "inFlight", c[1])));
          if (!models.isEmpty()) {
            p.put("models", models);
          }
          providers.put(name, p);
        });
    out.put("providers", providers);
    return out;
  }

  /**
   * Aligns state with a newly applied table: providers and targets that are gone lose their state
   * (and metrics), providers whose protection settings changed get fresh guards, health checkers
   * start, stop or restart as {@code healthCheck} blocks appear, vanish or change.
   */
  public synchronized void reconcile(RoutingTable table) {
    if (closed) {
      return;
    }
    Map<String, RoutingTable.Provider> providers = table.providers();
    inForce = Map.copyOf(providers);
    Set<String> liveTargets = new HashSet<>();
    Set<String> liveRoutes = new HashSet<>();
    Map<String, Set<ResiliencePolicy.BreakerSettings>> settingsInUse = new HashMap<>();
    for (RoutingTable.Route route : table.routes()) {
      liveRoutes.add(route.name());
      ResiliencePolicy.BreakerSettings settings =
          ResiliencePolicy.of(route.policy() == null ? null : table.policies().get(route.policy()))
              .breaker();
      Set<String> ids = new HashSet<>();
      route.targets().forEach(t -> ids.add(t.id()));
      route.rules().forEach(r -> r.targets().forEach(t -> ids.add(t.id())));
      if (route.canary() != null) {
        route.canary().targets().forEach(t -> ids.add(t.id()));
        route.canary().rules().forEach(r -> r.targets().forEach(t -> ids.add(t.id())));
      }
      liveTargets.addAll(ids);
      ids.forEach(id -> settingsInUse.computeIfAbsent(id, k -> new HashSet<>()).add(settings));
    }
    breakerSettingsInUse = Map.copyOf(settingsInUse);
    for (String id : new ArrayList<>(breakers.keySet())) {
      if (!liveTargets.contains(id)) {
        breakers.remove(id);
        removeMeters(breakerGauges.remove(id));
      }
    }
    budgets.keySet().retainAll(liveRoutes);
    // Their counters too: a target or route gone would stay on /metrics for the replica's life.
    Set<String> measured = table.everyTargetId();
    for (Meter m : meters.find("switchboard_resilience_skips").meters()) {
      if (!measured.contains(m.getId().getTag("target"))) {
        meters.remove(m);
      }
    }
    for (Meter m : meters.find("switchboard_retry_budget_exhausted").meters()) {
      if (!liveRoutes.contains(m.getId().getTag("route"))) {
        meters.remove(m);
      }
    }
    coolDownUntil.keySet().retainAll(liveTargets);
    accountHeldUntil.keySet().retainAll(providers.keySet());
    for (String name : new ArrayList<>(guards.keySet())) {
      if (!providers.containsKey(name)) {
        guards.remove(name);
        Meter gauge = healthGauges.remove(name);
        if (gauge != null) {
          meters.remove(gauge);
        }
        Meter rejected = credentialGauges.remove(name);
        if (rejected != null) {
          meters.remove(rejected);
        }
      }
    }
    providers.values().forEach(this::install);
    for (String name : new ArrayList<>(checkers.keySet())) {
      RoutingTable.Provider p = providers.get(name);
      Checker c = checkers.get(name);
      if (p == null
          || p.healthCheck() == null
          || !c.fingerprint().equals(HealthChecker.fingerprint(p))) {
        checkers.remove(name).checker().stop();
        if (p != null) {
          install(p).healthy(true); // a changed endpoint starts with a clean slate
        }
      }
    }
    for (RoutingTable.Provider p : providers.values()) {
      if (p.healthCheck() != null && !checkers.containsKey(p.name())) {
        install(p);
        String name = p.name();
        HealthChecker checker = new HealthChecker(clock, clients, p, () -> guards.get(name), keys);
        checkers.put(p.name(), new Checker(HealthChecker.fingerprint(p), checker));
        checker.start();
      }
    }
  }

  /** Names of the providers whose health is being checked actively right now. */
  public Set<String> healthCheckedProviders() {
    return Set.copyOf(checkers.keySet());
  }

  /** Stops every health checker. */
  public synchronized void close() {
    closed = true;
    checkers.values().forEach(c -> c.checker().stop());
    checkers.clear();
  }

  private Breaker create(String id, ResiliencePolicy.BreakerSettings s) {
    OpenPeriod openPeriod = new OpenPeriod(clock, s.openForMs());
    int windowSeconds = (int) Math.max(1, (s.windowMs() + 999) / 1000);
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .slidingWindowSize(windowSeconds)
            .minimumNumberOfCalls(s.minimumCalls())
            .failureRateThreshold(s.failureRateThreshold())
            .slowCallRateThreshold(s.failureRateThreshold())
            .slowCallDurationThreshold(Duration.ofMillis(s.slowCallThresholdMs()))
            // openFor, noting when each open period ends (OpenPeriod) for the state readers.
            .waitIntervalFunctionInOpenState(openPeriod.openFor())
            // Half-open: a few probes decide; the state is checked lazily on the next request,
            // so no scheduler thread is needed (readers report it as it is in effect: OpenPeriod).
            .permittedNumberOfCallsInHalfOpenState(Math.max(1, Math.min(3, s.minimumCalls())))
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .writableStackTraceEnabled(false)
            // The gateway's clock, so windows and open periods move with it in tests.
            .clock(openPeriod.clock())
            .currentTimestampFunction(c -> clock.nanoTime(), TimeUnit.NANOSECONDS)
            .build();
    return new Breaker(s, CircuitBreaker.of(id, config), openPeriod);
  }

  private void registerBreakerGauges(String id) {
    removeMeters(breakerGauges.remove(id));
    List<Meter> gauges = new ArrayList<>();
    for (CircuitBreaker.State state : EXPORTED_STATES) {
      gauges.add(
          Gauge.builder(
                  "switchboard_circuit_breaker_state",
                  breakers,
                  m -> {
                    Breaker b = m.get(id);
                    return b != null && b.inEffect() == state ? 1 : 0;
                  })
              .description("Circuit breaker state per target (1 = the state in effect)")
              .tag("target", id)
              .tag("state", stateLabel(state))
              .register(meters));
    }
    breakerGauges.put(id, gauges);
  }

  private void registerHealthGauge(String provider) {
    healthGauges.computeIfAbsent(
        provider,
        name ->
            Gauge.builder(
                    "switchboard_provider_healthy",
                    guards,
                    m -> {
                      ProviderGuard g = m.get(name);
                      return g == null || g.healthy() ? 1 : 0;
                    })
                .description("1 while the provider passes its active health checks")
                .tag("provider", name)
                .register(meters));
    credentialGauges.computeIfAbsent(
        provider,
        name ->
            Gauge.builder(
                    "switchboard_provider_credentials_rejected",
                    guards,
                    m -> {
                      ProviderGuard g = m.get(name);
                      return g != null && g.rejects(keys.apply(name)) ? 1 : 0;
                    })
                .description(
                    "1 while the provider rejects the gateway's current key (HTTP 401/403)")
                .tag("provider", name)
                .register(meters));
  }

  private void removeMeters(List<Meter> list) {
    if (list != null) {
      list.forEach(meters::remove);
    }
  }

  static String stateLabel(CircuitBreaker.State state) {
    return state.name().toLowerCase(Locale.ROOT);
  }
}
