package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.Coalescer;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.state.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route client rate limits ({@code RoutingPolicy.rateLimits}) counted in the shared state store, so
 * a limit holds across all gateway replicas: one Lua token bucket per policy, limit and caller.
 * Concurrent admissions of one caller share one script run ({@code client_rate_admit.lua}), each
 * decided exactly as if it came alone. The tokens answers used are summed on this replica and
 * charged every {@value RedisStateStore#REPORT_MS} ms, one run per set of buckets ({@code
 * client_rate.lua}): a token limit admits while its bucket is positive and is charged after the
 * answer anyway, so another replica sees the tokens at most one report later. Runs are sent once
 * and never retried, so no per-request key is kept in Redis (the idempotency markers this used to
 * write, two per request kept ten minutes, were 12 million keys at 10,000 requests per second).
 * Bucket keys hold a SHA-256 of the limit and the caller's value (for {@code api-key} that value
 * already is the key's hash), never a key or a header value.
 *
 * <p>Outage: while the store is unavailable the request is counted in this replica's own bucket
 * ({@link ClientRateLimiter}), as without a shared store, and that is logged once per outage; a
 * charge that fails is dropped (the tokens of a moment's answers are not worth holding requests
 * for).
 */
public final class SharedClientRateLimits {

  private static final Logger LOG = LoggerFactory.getLogger(SharedClientRateLimits.class);

  private static final String SCRIPT = script("client_rate.lua");
  private static final String SHA = sha1(SCRIPT);

  /** Admissions of several requests to the same buckets in one run (see {@link #admissions}). */
  private static final String ADMIT_SCRIPT = script("client_rate_admit.lua");

  private static final String ADMIT_SHA = sha1(ADMIT_SCRIPT);

  /** The most admissions in one script run. */
  static final int MAX_BATCH = 64;

  /**
   * Admissions waiting to share a script run with others of the same buckets (one caller of one
   * policy): while one run is in flight the next requests queue and go together, so a busy caller
   * costs one round trip per round trip, not one per request; each is decided as if alone.
   */
  private final Coalescer<String, Verdict> admissions = new Coalescer<>(MAX_BATCH, 2);

  /** Tokens charged on this replica and not sent yet, per set of token buckets. */
  private final Map<String, PendingTokens> pendingTokens = new ConcurrentHashMap<>();

  /** One set of token buckets' unsent tokens, and the script arguments that charge them. */
  private static final class PendingTokens {
    final List<String> buckets;
    final List<String> pairs;
    final AtomicLong tokens = new AtomicLong();

    PendingTokens(List<String> buckets, List<String> pairs) {
      this.buckets = buckets;
      this.pairs = pairs;
    }
  }

  /** One request's answer from the admission script. */
  private record Verdict(int code, String dimension, long retryMs, int bucket) {}

  private final RedisStateStore store;
  private final ClientRateLimiter local;
  private final LongSupplier millis;
  private final AtomicBoolean fallingBack = new AtomicBoolean();
  private volatile boolean loaded;

  /**
   * @param store the shared store
   * @param local this replica's buckets, used while the store is unavailable
   * @param millis the gateway's wall clock in milliseconds (bucket refill)
   */
  public SharedClientRateLimits(
      RedisStateStore store, ClientRateLimiter local, LongSupplier millis) {
    this.store = store;
    this.local = local;
    this.millis = millis;
    store.onReport(this::reportTokens);
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
    List<String> buckets = new ArrayList<>();
    List<String> args = new ArrayList<>();
    List<RoutingTable.RateLimit> applied = new ArrayList<>();
    List<String> kinds = new ArrayList<>();
    String base = store.key("{rl:" + policyName + "}:");
    for (RoutingTable.RateLimit limit : limits) {
      String value = ClientRateLimiter.keyValue(limit.key(), routeName, caller);
      if (value == null) {
        continue;
      }
      String id = KeyDigest.of(limit.key() + "\n" + value).substring(0, 32);
      if (limit.tokensPerMinute() != null && limit.tokensPerMinute() > 0) {
        buckets.add(base + id + ":t:" + limit.tokensPerMinute());
        args.add(Long.toString(limit.tokensPerMinute()));
        args.add("t");
        applied.add(limit);
        kinds.add("t");
      }
      if (limit.requestsPerMinute() != null && limit.requestsPerMinute() > 0) {
        buckets.add(base + id + ":r:" + limit.requestsPerMinute());
        args.add(Long.toString(limit.requestsPerMinute()));
        args.add("r");
        applied.add(limit);
        kinds.add("r");
      }
    }
    if (buckets.isEmpty()) {
      return Future.succeededFuture(
          new Admitted(new ClientRateLimiter.Decision(false, null, 0, null, List.of()), null));
    }
    String group = String.join("\n", buckets);
    return admissions
        .submit(group, requestId, batch -> admitBatch(batch.size(), buckets, args))
        .map(
            v -> {
              fallingBack.set(false);
              if (v.code() == 1) {
                boolean tokens = kinds.contains("t");
                return new Admitted(
                    new ClientRateLimiter.Decision(false, null, 0, null, List.of()),
                    tokens ? charger(group, buckets, args) : null);
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

  /** Admits {@code count} requests (same buckets) in one script run, in order. */
  private Future<List<Verdict>> admitBatch(int count, List<String> buckets, List<String> pairs) {
    if (!loaded) {
      return loadScripts().compose(v -> admitBatch(count, buckets, pairs));
    }
    Request request = Request.cmd(Command.EVALSHA).arg(ADMIT_SHA).arg(buckets.size());
    buckets.forEach(request::arg);
    request.arg(Long.toString(millis.getAsLong()));
    request.arg(Integer.toString(count));
    pairs.forEach(request::arg);
    return store
        .send(request)
        .onFailure(err -> loaded = false)
        .map(
            r -> {
              List<Verdict> out = new ArrayList<>(count);
              for (int i = 0; i < count; i++) {
                int at = 4 * i;
                out.add(
                    new Verdict(
                        r.get(at).toInteger(),
                        r.get(at + 1).toString(),
                        r.get(at + 2).toLong(),
                        r.get(at + 3).toInteger()));
              }
              return out;
            });
  }

  /** Loads both scripts (once, and again after a failure: a restarted Redis forgot them). */
  private Future<Void> loadScripts() {
    return store
        .send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(SCRIPT))
        .compose(r -> store.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(ADMIT_SCRIPT)))
        .map(
            r -> {
              loaded = true;
              return null;
            });
  }

  /** Adds a finished request's tokens to what this replica charges with its next report. */
  private TokenCharge charger(String group, List<String> buckets, List<String> pairs) {
    return tokens -> {
      if (tokens > 0) {
        // compute, not get-then-add: the report removes idle entries under the same bin lock.
        pendingTokens.compute(
            group,
            (k, p) -> {
              PendingTokens pending = p == null ? new PendingTokens(buckets, pairs) : p;
              pending.tokens.addAndGet(tokens);
              return pending;
            });
      }
    };
  }

  /**
   * Charges the tokens summed since the last report, one script run per set of buckets; sets that
   * had nothing since are forgotten. Called by the store every report interval and when it closes.
   */
  Future<Void> reportTokens() {
    List<Future<Response>> sent = new ArrayList<>();
    for (String group : List.copyOf(pendingTokens.keySet())) {
      PendingTokens pending =
          pendingTokens.computeIfPresent(group, (k, p) -> p.tokens.get() == 0 ? null : p);
      if (pending == null) {
        continue;
      }
      long tokens = pending.tokens.getAndSet(0);
      if (tokens > 0) {
        sent.add(charge(tokens, pending.buckets, pending.pairs));
      }
    }
    return Future.join(sent).otherwiseEmpty().mapEmpty();
  }

  private Future<Response> charge(long tokens, List<String> buckets, List<String> pairs) {
    if (!loaded) {
      // Loaded once (and again after a failure: a restarted Redis forgot them). Not by a NOSCRIPT
      // reply, which the store would take for an outage.
      return loadScripts().compose(v -> charge(tokens, buckets, pairs));
    }
    Request request = Request.cmd(Command.EVALSHA).arg(SHA).arg(buckets.size());
    buckets.forEach(request::arg);
    request.arg(Long.toString(millis.getAsLong()));
    request.arg(Long.toString(tokens));
    pairs.forEach(request::arg);
    return store.send(request).onFailure(err -> loaded = false);
  }

  private static String script(String name) {
    try (InputStream in = SharedClientRateLimits.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JRE", e);
    }
  }
}
