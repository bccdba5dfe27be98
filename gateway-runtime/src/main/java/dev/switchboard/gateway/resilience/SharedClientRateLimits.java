package dev.switchboard.gateway.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.state.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route client rate limits ({@code RoutingPolicy.rateLimits}) counted in the shared state store, so
 * a limit holds across all gateway replicas: one Lua token bucket per policy, limit and caller.
 * Admissions go through {@link ClientRateAllowances}: a busy caller's requests are mostly admitted
 * from a small allowance this replica holds (at most 1 % of the limit), the rest wait for one
 * script run ({@code client_rate_admit.lua}) that decides each exactly as if it came alone. The
 * tokens answers used are summed on this replica and sent with its next run, at the latest every
 * {@value RedisStateStore#REPORT_MS} ms: a token limit admits while its bucket is positive and is
 * charged after the answer anyway, so another replica sees the tokens within one report. Runs are
 * sent once and never retried, so no per-request key is kept in Redis (the idempotency markers this
 * used to write, two per request kept ten minutes, were 12 million keys at 10,000 requests per
 * second). Bucket keys hold a SHA-256 of the limit and the caller's value (for {@code api-key} and
 * {@code header:<name>} that value already is a hash of the key or header), never a key or a header
 * value; nor does anything this replica keeps per caller.
 *
 * <p>Outage: while the store is unavailable the request is counted in this replica's own bucket
 * ({@link ClientRateLimiter}), as without a shared store, and that is logged once per outage.
 * Tokens of a run that got no answer are not sent again: Redis may have run it (only its reply was
 * lost), so they are charged at most once — a lost reply errs on the caller's side (at most those
 * tokens uncharged), never charging them twice.
 */
public final class SharedClientRateLimits {

  private static final Logger LOG = LoggerFactory.getLogger(SharedClientRateLimits.class);

  /** Admissions from this replica's allowances, and the runs that decide the rest. */
  private final ClientRateAllowances allowances;

  private final RedisStateStore store;
  private final ClientRateLimiter local;
  private final LongSupplier millis;
  private final AtomicBoolean fallingBack = new AtomicBoolean();

  /**
   * @param store the shared store
   * @param local this replica's buckets, used while the store is unavailable
   * @param millis the gateway's wall clock in milliseconds (bucket refill)
   */
  public SharedClientRateLimits(
      RedisStateStore store, ClientRateLimiter local, LongSupplier millis) {
    this.store = store;
    this.allowances = new ClientRateAllowances(this::send, store.clock()::nanoTime);
    this.local = local;
    this.millis = millis;
    store.onReport(allowances::report);
  }

  /** The outcome: a decision, plus how to charge tokens to the shared buckets (null: none). */
  public record Admitted(ClientRateLimiter.Decision decision, TokenCharge charge) {}

  /** Charges a finished request's tokens to the shared token buckets it passed. */
  public interface TokenCharge {
    void charge(long tokens);
  }

  /**
   * Checks and takes one request from every limit that applies, in the shared store; in this
   * replica's buckets while the store is unavailable.
   */
  public Future<Admitted> admit(
      List<RoutingTable.RateLimit> limits,
      String policyName,
      String routeName,
      Caller caller,
      String requestId) {
    List<String> values = new ArrayList<>(limits.size());
    for (RoutingTable.RateLimit limit : limits) {
      values.add(ClientRateLimiter.keyValue(limit.key(), routeName, caller));
    }
    Shape shape = shapes.get(new ShapeKey(policyName, limits, values), this::shape);
    if (shape.buckets().isEmpty()) {
      return Future.succeededFuture(new Admitted(ADMITTED, null));
    }
    List<String> buckets = shape.buckets();
    List<String> args = shape.pairs();
    List<RoutingTable.RateLimit> applied = shape.applied();
    String group = shape.group();
    return allowances
        .admit(group, buckets, args)
        .map(
            v -> {
              fallingBack.set(false);
              if (v.code() == 1) {
                return new Admitted(
                    ADMITTED,
                    shape.tokens() ? t -> allowances.charge(group, buckets, args, t) : null);
              }
              RoutingTable.RateLimit rule = applied.get(v.bucket() - 1);
              boolean tokens = "tokens".equals(v.dimension());
              return new Admitted(
                  ClientRateLimiter.limited(
                      tokens ? "tokens" : "requests",
                      tokens ? "tokens per min (TPM)" : "requests per min (RPM)",
                      tokens ? rule.tokensPerMinute() : rule.requestsPerMinute(),
                      rule,
                      v.retryMs()),
                  null);
            })
        .recover(
            err -> {
              if (!(err instanceof StoreUnavailableException)) {
                return Future.failedFuture(err);
              }
              if (fallingBack.compareAndSet(false, true)) {
                LOG.warn(
                    "the shared state store is unavailable: route client rate limits are counted"
                        + " per replica until it answers again");
              }
              return Future.succeededFuture(
                  new Admitted(local.admit(limits, policyName, routeName, caller), null));
            });
  }

  private static final ClientRateLimiter.Decision ADMITTED =
      new ClientRateLimiter.Decision(false, null, 0, 0, null, List.of());

  /** Which buckets a request of one policy and caller goes to. */
  private record ShapeKey(
      String policy, List<RoutingTable.RateLimit> limits, List<String> values) {}

  /**
   * The buckets (key names, capacity and kind pairs, the limit of each) of one policy and caller,
   * and the group they form; {@code tokens} when one of them is a token bucket.
   */
  private record Shape(
      List<String> buckets,
      List<String> pairs,
      List<RoutingTable.RateLimit> applied,
      String group,
      boolean tokens) {}

  /**
   * Shapes made once per policy and caller, not per request (a SHA-256 per limit and a dozen
   * strings); bounded, so callers that come and go do not grow it.
   */
  private final Cache<ShapeKey, Shape> shapes =
      Caffeine.newBuilder()
          .maximumSize(10_000)
          .executor(Runnable::run) // its upkeep inline: no pool thread woken from the event loop
          .build();

  private Shape shape(ShapeKey key) {
    List<String> buckets = new ArrayList<>();
    List<String> pairs = new ArrayList<>();
    List<RoutingTable.RateLimit> applied = new ArrayList<>();
    boolean tokens = false;
    String base = store.key("{rl:" + key.policy() + "}:");
    for (int i = 0; i < key.limits().size(); i++) {
      RoutingTable.RateLimit limit = key.limits().get(i);
      String value = key.values().get(i);
      if (value == null) {
        continue;
      }
      String id = KeyDigest.of(limit.key() + "\n" + value).substring(0, 32);
      if (limit.tokensPerMinute() != null && limit.tokensPerMinute() > 0) {
        buckets.add(base + id + ":t:" + limit.tokensPerMinute());
        pairs.add(Long.toString(limit.tokensPerMinute()));
        pairs.add("t");
        applied.add(limit);
        tokens = true;
      }
      if (limit.requestsPerMinute() != null && limit.requestsPerMinute() > 0) {
        buckets.add(base + id + ":r:" + limit.requestsPerMinute());
        pairs.add(Long.toString(limit.requestsPerMinute()));
        pairs.add("r");
        applied.add(limit);
      }
    }
    return new Shape(
        List.copyOf(buckets),
        List.copyOf(pairs),
        List.copyOf(applied),
        String.join("\n", buckets),
        tokens);
  }

  /**
   * Sends one run of {@code client_rate_admit.lua} (admissions, allowances and token charges of one
   * set of buckets; see there for the arguments) through the store's script runner.
   */
  private Future<Response> send(
      List<String> buckets,
      List<String> pairs,
      int waiting,
      long returnRequests,
      long wantRequests,
      long tokens) {
    List<String> args = new ArrayList<>(5 + pairs.size());
    args.add(Long.toString(millis.getAsLong()));
    args.add(Integer.toString(waiting));
    args.add(Long.toString(returnRequests));
    args.add(Long.toString(wantRequests));
    args.add(Long.toString(tokens));
    args.addAll(pairs);
    return store.runScript("client_rate_admit.lua", buckets, args);
  }

  /** The caller values of the shapes this replica keeps (for tests). */
  List<String> shapeValues() {
    return shapes.asMap().keySet().stream().flatMap(k -> k.values().stream()).toList();
  }

  /** Requests this replica holds of all callers' buckets (for tests). */
  long heldRequests() {
    return allowances.held();
  }
}
