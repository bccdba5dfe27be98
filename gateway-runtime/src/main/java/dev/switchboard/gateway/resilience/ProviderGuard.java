package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.RoutingTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The protection state of one ProviderEndpoint on this replica: its bulkhead ({@code
 * maxConcurrency}), its quota buckets ({@code quota.requestsPerMinute/tokensPerMinute}), its health
 * as seen by the active checker, and whether it rejected the gateway's credentials. Kept across
 * routing-table reloads while the provider's protection settings stay the same.
 */
public final class ProviderGuard {

  /** The settings this guard was built from; a reload with different settings rebuilds it. */
  record Settings(Integer maxConcurrency, RoutingTable.Quota quota) {
    static Settings of(RoutingTable.Provider p) {
      return new Settings(p.maxConcurrency(), p.quota());
    }
  }

  private final String name;
  private final Settings settings;
  private final Bulkhead bulkhead;
  private final TokenBucket requestQuota;
  private final TokenBucket tokenQuota;
  private volatile boolean healthy = true;

  /** Digest of the key the provider rejected, or null while no rejection stands. */
  private volatile String rejectedKeyDigest;

  ProviderGuard(Vertx vertx, RoutingTable.Provider provider, LongSupplier nanoClock) {
    this.name = provider.name();
    this.settings = Settings.of(provider);
    Integer max = provider.maxConcurrency();
    this.bulkhead = max == null || max <= 0 ? null : new Bulkhead(vertx, name, max);
    RoutingTable.Quota q = provider.quota();
    this.requestQuota =
        q != null && q.requestsPerMinute() != null && q.requestsPerMinute() > 0
            ? new TokenBucket(q.requestsPerMinute(), nanoClock)
            : null;
    this.tokenQuota =
        q != null && q.tokensPerMinute() != null && q.tokensPerMinute() > 0
            ? new TokenBucket(q.tokensPerMinute(), nanoClock)
            : null;
  }

  public String name() {
    return name;
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

  private static String keyDigest(Optional<String> key) {
    if (key.isEmpty()) {
      return "none";
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(key.get().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /**
   * Takes one request from the provider quota; false when the request or token quota of the last
   * minute is spent (then the target is treated as unavailable, before the provider says 429).
   */
  public boolean tryTakeQuota() {
    if (tokenQuota != null && !tokenQuota.available()) {
      return false;
    }
    return requestQuota == null || requestQuota.tryTake();
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
        && (requestQuota == null || requestQuota.millisUntil(1) == 0);
  }

  /** A bulkhead permit (immediately when the provider has no {@code maxConcurrency}). */
  public Future<Bulkhead.Permit> acquire() {
    return bulkhead == null ? Future.succeededFuture(null) : bulkhead.acquire();
  }

  /** The bulkhead, or null when the provider sets no {@code maxConcurrency}. */
  public Bulkhead bulkhead() {
    return bulkhead;
  }
}
