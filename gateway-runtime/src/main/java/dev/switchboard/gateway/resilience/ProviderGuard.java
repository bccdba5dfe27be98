package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The protection state of one ProviderEndpoint on this replica: its bulkheads ({@code
 * maxConcurrency} of the endpoint and of each model; both apply, and with {@code concurrencyScope:
 * global} and a shared store they count across replicas), its quotas ({@code
 * quota.requestsPerMinute/tokensPerMinute}; shared across replicas with a shared store), its health
 * as seen by the active checker, and whether it rejected the gateway's credentials. Kept across
 * routing-table reloads while the provider's protection settings stay the same.
 */
public final class ProviderGuard {

  /** The settings this guard was built from; a reload with different settings rebuilds it. */
  record Settings(
      Integer maxConcurrency,
      RoutingTable.Quota quota,
      String concurrencyScope,
      Map<String, Integer> modelConcurrency) {
    static Settings of(RoutingTable.Provider p) {
      Map<String, Integer> models = new TreeMap<>();
      p.models()
          .forEach(
              (id, m) -> {
                if (m.maxConcurrency() != null && m.maxConcurrency() > 0) {
                  models.put(id, m.maxConcurrency());
                }
              });
      return new Settings(p.maxConcurrency(), p.quota(), p.concurrencyScope(), models);
    }
  }

  /**
   * How global caps and provider quotas are kept: the shared lease store, lease time and renewal
   * period, the shared quota store (null: quotas per replica), and this replica's id in both.
   */
  public record Leases(
      LeaseStore store, long leaseMs, long renewMs, String holder, QuotaStore quotas) {}

  /** A cap on parallel requests: this replica's bulkhead or a global lease semaphore. */
  private record Cap(Bulkhead local, GlobalSemaphore global) {
    Future<SlotPermit> acquire() {
      return global != null ? global.acquire() : local.acquire().map(p -> (SlotPermit) p);
    }

    int max() {
      return global != null ? global.max() : local.max();
    }

    int inFlight() {
      return global != null ? global.inFlight() : local.inFlight();
    }
  }

  private static final Future<Boolean> TAKEN = Future.succeededFuture(true);

  private final String name;
  private final Settings settings;
  private final Bulkhead bulkhead;
  private final Cap endpointCap;
  private final Map<String, Cap> modelCaps = new TreeMap<>();
  private final Leases leases;
  private final ProviderQuota requestQuota;
  private final ProviderQuota tokenQuota;
  private volatile boolean healthy = true;

  /** Digest of the key the provider rejected, or null while no rejection stands. */
  private volatile String rejectedKeyDigest;

  ProviderGuard(Vertx vertx, GatewayClock clock, RoutingTable.Provider provider) {
    this(vertx, clock, provider, null);
  }

  /**
   * @param leases where global caps are kept; null when the gateway has no shared store (then
   *     {@code concurrencyScope: global} counts per replica)
   */
  ProviderGuard(Vertx vertx, GatewayClock clock, RoutingTable.Provider provider, Leases leases) {
    this.name = provider.name();
    this.settings = Settings.of(provider);
    this.leases = leases;
    boolean global = leases != null && provider.globalConcurrency();
    Integer max = provider.maxConcurrency();
    this.bulkhead = max == null || max <= 0 ? null : new Bulkhead(vertx, clock, name, max);
    this.endpointCap = cap(vertx, clock, global, name, bulkhead);
    settings
        .modelConcurrency()
        .forEach(
            (model, cap) -> {
              String id = name + "/" + model;
              modelCaps.put(
                  model, cap(vertx, clock, global, id, new Bulkhead(vertx, clock, id, cap)));
            });
    RoutingTable.Quota q = provider.quota();
    this.requestQuota =
        q != null && q.requestsPerMinute() != null && q.requestsPerMinute() > 0
            ? quota(clock, ProviderQuota.Kind.REQUESTS, q.requestsPerMinute(), "r")
            : null;
    this.tokenQuota =
        q != null && q.tokensPerMinute() != null && q.tokensPerMinute() > 0
            ? quota(clock, ProviderQuota.Kind.TOKENS, q.tokensPerMinute(), "t")
            : null;
  }

  private ProviderQuota quota(
      GatewayClock clock, ProviderQuota.Kind kind, long perMinute, String suffix) {
    QuotaStore store = leases == null ? null : leases.quotas();
    return new ProviderQuota(
        kind, perMinute, clock, store, name + ":" + suffix, store == null ? null : leases.holder());
  }

  private Cap cap(Vertx vertx, GatewayClock clock, boolean global, String id, Bulkhead local) {
    if (local == null) {
      return null;
    }
    if (!global) {
      return new Cap(local, null);
    }
    return new Cap(
        local,
        new GlobalSemaphore(
            leases.store(),
            clock,
            "concurrency:" + id,
            id,
            local.max(),
            leases.leaseMs(),
            leases.renewMs(),
            leases.holder(),
            local));
  }

  public String name() {
    return name;
  }

  /** The lease settings this guard was built with (null: no shared store). */
  Leases leases() {
    return leases;
  }

  Settings settings() {
    return settings;
  }

  boolean sameSettings(RoutingTable.Provider provider) {
    return Objects.equals(settings, Settings.of(provider));
  }

  /** Whether the active health checker currently considers the provider healthy. */
  public boolean healthy() {
    return healthy;
  }

  void healthy(boolean value) {
    healthy = value;
  }

  /**
   * Remembers that the provider rejected the gateway's credentials (401/403). Only a digest of the
   * key is kept, so that a rotated key clears the state without the guard holding any key.
   */
  void rejectCredentials(Optional<String> key) {
    rejectedKeyDigest = keyDigest(key);
  }

  /** The provider accepted the gateway's credentials (it answered a call or probe normally). */
  void credentialsAccepted() {
    if (rejectedKeyDigest != null) {
      rejectedKeyDigest = null;
    }
  }

  /**
   * Whether the provider's last verdict on {@code currentKey} was a rejection: false after an
   * accepted call, and false once the loaded key differs from the one that was rejected.
   */
  boolean rejects(Optional<String> currentKey) {
    String rejected = rejectedKeyDigest;
    return rejected != null && rejected.equals(keyDigest(currentKey));
  }

  /** Carries a standing rejection over to a guard rebuilt for new protection settings. */
  void inheritCredentialState(ProviderGuard old) {
    rejectedKeyDigest = old.rejectedKeyDigest;
  }

  /** The digest a key is remembered by ("none" without one); never the key itself. */
  static String keyDigest(Optional<String> key) {
    return key.isEmpty() ? "none" : KeyDigest.of(key.get());
  }

  /**
   * Takes one request from the provider quota; false when the request or token quota of the last
   * minute is spent (then the target is treated as unavailable, before the provider says 429).
   * Completes at once unless a shared quota must ask the store first (see {@link ProviderQuota}).
   */
  public Future<Boolean> takeQuota() {
    if (tokenQuota == null) {
      return requestQuota == null ? TAKEN : requestQuota.take();
    }
    Future<Boolean> tokens = tokenQuota.take();
    if (requestQuota == null) {
      return tokens;
    }
    if (tokens.isComplete()) {
      return tokens.result() ? requestQuota.take() : tokens;
    }
    return tokens.compose(room -> room ? requestQuota.take() : tokens);
  }

  /** Returns a request unit taken for an attempt that was never sent. */
  public void giveBackQuota() {
    if (requestQuota != null) {
      requestQuota.giveBack();
    }
  }

  /** Charges the tokens an answer used against the provider's token quota. */
  public void chargeTokens(long tokens) {
    if (tokenQuota != null) {
      tokenQuota.charge(tokens);
    }
  }

  /** Whether the provider quota currently has room (without taking any). */
  public boolean quotaAvailable() {
    return (tokenQuota == null || tokenQuota.available())
        && (requestQuota == null || requestQuota.available());
  }

  /**
   * About how long until both provider quotas have room again, in milliseconds (0: now): what a
   * client refused for the quota is told to wait ({@code Retry-After}).
   */
  public long quotaWaitMs() {
    return Math.max(
        tokenQuota == null ? 0 : tokenQuota.millisUntilRoom(),
        requestQuota == null ? 0 : requestQuota.millisUntilRoom());
  }

  /** Whether the provider quota is counted across replicas right now (false: on this replica). */
  public boolean quotaShared() {
    return (requestQuota == null || requestQuota.shared())
        && (tokenQuota == null || tokenQuota.shared())
        && (requestQuota != null || tokenQuota != null);
  }

  /**
   * A permit for one request to {@code model}: the endpoint's slot and then the model's (each
   * immediately when it has no {@code maxConcurrency}; null when neither has one). Fails with
   * {@link Bulkhead.FullException} when either cap stays full; a slot already taken is given back.
   */
  public Future<SlotPermit> acquire(String model) {
    Cap modelCap = modelCaps.get(model);
    Future<SlotPermit> endpoint =
        endpointCap == null ? Future.succeededFuture(null) : endpointCap.acquire();
    if (modelCap == null) {
      return endpoint;
    }
    return endpoint.compose(
        outer ->
            modelCap
                .acquire()
                .map(inner -> SlotPermit.both(outer, inner))
                .recover(
                    full -> {
                      if (outer != null) {
                        outer.release();
                      }
                      return Future.failedFuture(full);
                    }));
  }

  /** Caps per model id with this replica's view of them: {@code {maxConcurrency, inFlight}}. */
  public Map<String, int[]> modelConcurrency() {
    Map<String, int[]> out = new TreeMap<>();
    modelCaps.forEach((m, c) -> out.put(m, new int[] {c.max(), c.inFlight()}));
    return out;
  }

  /** Whether the caps count across replicas (global scope with a shared store). */
  public boolean globalConcurrency() {
    return leases != null && RoutingTable.Provider.SCOPE_GLOBAL.equals(settings.concurrencyScope());
  }

  /** In-flight requests through the endpoint cap as this replica sees it. */
  public int endpointInFlight() {
    return endpointCap == null ? 0 : endpointCap.inFlight();
  }

  /** The bulkhead, or null when the provider sets no {@code maxConcurrency}. */
  public Bulkhead bulkhead() {
    return bulkhead;
  }
}
