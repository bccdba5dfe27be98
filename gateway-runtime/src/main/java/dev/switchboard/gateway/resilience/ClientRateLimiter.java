package dev.switchboard.gateway.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.Caller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Client rate limits of a RoutingPolicy ({@code rateLimits}: requests and tokens per minute, keyed
 * by {@code api-key}, {@code route} or {@code header:<name>}), per gateway replica.
 *
 * <p>Buckets live in a bounded Caffeine cache (evicted after two idle minutes, at most {@value
 * #MAX_KEYS} keys) so an attacker cycling keys cannot grow memory without bound. The {@code
 * api-key} key is a SHA-256 of the client's bearer token, a {@code header:<name>} key a SHA-256 of
 * the header's value (it may be a credential too): neither is ever stored or logged as sent. A
 * bucket is shared by every route that uses the same policy and limit. Requests are taken at
 * admission; tokens are charged from the answer's usage, so a request is admitted while the token
 * bucket is not already negative.
 */
public final class ClientRateLimiter {

  /** Upper bound of distinct limited keys held at once. */
  public static final int MAX_KEYS = 100_000;

  /**
   * The outcome of admission: allowed (with the token buckets to charge later) or limited.
   *
   * @param retryAfterMs for a limited request: when the bucket has room again, in milliseconds
   * @param retryAfterSeconds the same in whole seconds, rounded up (at least 1)
   */
  public record Decision(
      boolean limited,
      String dimension,
      long retryAfterMs,
      long retryAfterSeconds,
      String message,
      List<TokenBucket> tokenBuckets) {

    static Decision allowed(List<TokenBucket> tokenBuckets) {
      return new Decision(false, null, 0, 0, null, tokenBuckets);
    }

    /** Charges the tokens a finished request used to every token limit it passed. */
    public void chargeTokens(long tokens) {
      tokenBuckets.forEach(b -> b.charge(tokens));
    }
  }

  private record BucketKey(String policy, String limitKey, Integer rpm, Long tpm, String value) {}

  private record Buckets(TokenBucket requests, TokenBucket tokens) {}

  private final LongSupplier nanoClock;
  private final Cache<BucketKey, Buckets> buckets;

  public ClientRateLimiter(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    // Idle expiry on the same clock as the buckets, not Caffeine's own System.nanoTime ticker.
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(MAX_KEYS)
            .expireAfterAccess(Duration.ofMinutes(2))
            .ticker(nanoClock::getAsLong)
            // Its upkeep (access order, expiry) inline on the caller's event loop: with Caffeine's
            // default executor every few admissions woke a ForkJoinPool thread (HotPathProbe: 0.9
            // µs of pool CPU per request, plus the wake-up, on a realistic configuration).
            .executor(Runnable::run)
            .build();
  }

  /**
   * Checks and takes one request from every limit of the policy that applies to this request.
   *
   * @param policyName the policy's name (buckets are shared per policy), or the route's name
   * @param routeName the route's name (the value of a {@code route} key)
   * @param header request header lookup (case-insensitive)
   */
  public Decision admit(
      List<RoutingTable.RateLimit> limits,
      String policyName,
      String routeName,
      Function<String, String> header) {
    return admit(limits, policyName, routeName, new Caller(header));
  }

  /**
   * Checks and takes one request from every limit of the policy that applies to this caller.
   *
   * @param policyName the policy's name (buckets are shared per policy), or the route's name
   * @param routeName the route's name (the value of a {@code route} key)
   * @param caller who is calling (API key hash, headers)
   */
  public Decision admit(
      List<RoutingTable.RateLimit> limits, String policyName, String routeName, Caller caller) {
    if (limits.isEmpty()) {
      return Decision.allowed(List.of());
    }
    List<Buckets> applicable = new ArrayList<>(limits.size());
    List<RoutingTable.RateLimit> applied = new ArrayList<>(limits.size());
    for (RoutingTable.RateLimit limit : limits) {
      String value = keyValue(limit.key(), routeName, caller);
      if (value == null) {
        continue; // e.g. header:x-team on a request without that header: nothing to key on
      }
      BucketKey key =
          new BucketKey(
              policyName, limit.key(), limit.requestsPerMinute(), limit.tokensPerMinute(), value);
      applicable.add(buckets.get(key, k -> create(limit)));
      applied.add(limit);
    }
    for (int i = 0; i < applicable.size(); i++) {
      TokenBucket tokens = applicable.get(i).tokens();
      if (tokens != null && !tokens.available()) {
        long wait = tokens.millisUntil(Math.ulp(1.0));
        return limited("tokens", "tokens per min (TPM)", tokens.perMinute(), applied.get(i), wait);
      }
    }
    List<TokenBucket> taken = new ArrayList<>();
    for (int i = 0; i < applicable.size(); i++) {
      TokenBucket requests = applicable.get(i).requests();
      if (requests == null) {
        continue;
      }
      if (!requests.tryTake()) {
        taken.forEach(TokenBucket::giveBack);
        return limited(
            "requests",
            "requests per min (RPM)",
            requests.perMinute(),
            applied.get(i),
            requests.millisUntil(1));
      }
      taken.add(requests);
    }
    List<TokenBucket> tokenBuckets = new ArrayList<>();
    applicable.forEach(
        b -> {
          if (b.tokens() != null) {
            tokenBuckets.add(b.tokens());
          }
        });
    return Decision.allowed(List.copyOf(tokenBuckets));
  }

  /** The values the buckets held now are keyed on (for tests). */
  List<String> keyValues() {
    return buckets.asMap().keySet().stream().map(BucketKey::value).toList();
  }

  private Buckets create(RoutingTable.RateLimit limit) {
    TokenBucket requests =
        limit.requestsPerMinute() != null && limit.requestsPerMinute() > 0
            ? new TokenBucket(limit.requestsPerMinute(), nanoClock)
            : null;
    TokenBucket tokens =
        limit.tokensPerMinute() != null && limit.tokensPerMinute() > 0
            ? new TokenBucket(limit.tokensPerMinute(), nanoClock)
            : null;
    return new Buckets(requests, tokens);
  }

  static Decision limited(
      String dimension, String what, long limit, RoutingTable.RateLimit rule, long waitMs) {
    long seconds = Math.max(1, (waitMs + 999) / 1000);
    String message =
        "Rate limit reached for "
            + describeKey(rule.key())
            + " on "
            + what
            + ": Limit "
            + limit
            + ". Please try again in "
            + seconds
            + "s.";
    return new Decision(true, dimension, waitMs, seconds, message, List.of());
  }

  private static String describeKey(String key) {
    if (key == null) {
      return "this key";
    }
    String k = key.toLowerCase(Locale.ROOT);
    if (k.equals("api-key")) {
      return "this API key";
    }
    if (k.equals("route")) {
      return "this model";
    }
    return "header " + key.substring(key.indexOf(':') + 1);
  }

  /**
   * The value a limit is keyed on for this request (for {@code api-key} and {@code header:<name>} a
   * hex SHA-256, never what the client sent), or null when the limit does not apply.
   */
  static String keyValue(String key, String routeName, Function<String, String> header) {
    return keyValue(key, routeName, new Caller(header));
  }

  static String keyValue(String key, String routeName, Caller caller) {
    if (key == null) {
      return null;
    }
    // Case-insensitive without lower-casing the policy's key on every request.
    if (key.equalsIgnoreCase("route")) {
      return routeName;
    }
    if (key.equalsIgnoreCase("api-key")) {
      return caller.apiKeyHash();
    }
    if (key.regionMatches(true, 0, "header:", 0, "header:".length())) {
      // A digest, never the value: the header may be a credential (Caller#headerHash).
      return caller.headerHash(key.substring("header:".length()).trim());
    }
    return null;
  }
}
