package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.KeyDigest;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route client rate limits ({@code RoutingPolicy.rateLimits}) counted in the shared state store, so
 * a limit holds across all gateway replicas: one Lua token bucket per policy, limit and caller,
 * checked and taken atomically in one round trip ({@code client_rate.lua}). Bucket keys hold a
 * SHA-256 of the limit and the caller's value (for {@code api-key} that value already is the key's
 * hash), never a key or a header value. Admission and token charging are idempotent by request id.
 *
 * <p>Outage: while the store is unavailable the request is counted in this replica's own bucket
 * ({@link ClientRateLimiter}), as without a shared store, and that is logged once per outage.
 */
public final class SharedClientRateLimits {

  private static final Logger LOG = LoggerFactory.getLogger(SharedClientRateLimits.class);

  /** How long a request's admitted/charged marker is kept: longer than any request lives. */
  static final long MARKER_TTL_MS = 10 * 60 * 1000;

  private static final String SCRIPT = script();
  private static final String SHA = sha1(SCRIPT);

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
    return run(base + "admitted:" + requestId, "admit", 0, buckets, args)
        .map(
            r -> {
              fallingBack.set(false);
              if (r.get(0).toInteger() == 1) {
                boolean tokens = kinds.contains("t");
                return new Admitted(
                    new ClientRateLimiter.Decision(false, null, 0, null, List.of()),
                    tokens ? charger(base + "charged:" + requestId, buckets, args) : null);
              }
              int index = r.get(3).toInteger() - 1;
              RoutingTable.RateLimit rule = applied.get(index);
              boolean tokens = "tokens".equals(r.get(1).toString());
              return new Admitted(
                  ClientRateLimiter.limited(
                      tokens ? "tokens" : "requests",
                      tokens ? "tokens per min (TPM)" : "requests per min (RPM)",
                      tokens ? rule.tokensPerMinute() : rule.requestsPerMinute(),
                      rule,
                      r.get(2).toLong()),
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

  private TokenCharge charger(String marker, List<String> buckets, List<String> args) {
    // A failed charge is dropped: the tokens of one answer are not worth holding a request for.
    return tokens -> {
      if (tokens > 0) {
        run(marker, "charge", tokens, buckets, args);
      }
    };
  }

  private Future<Response> run(
      String marker, String mode, long tokens, List<String> buckets, List<String> pairs) {
    List<String> argv = new ArrayList<>(4 + pairs.size());
    argv.add(mode);
    argv.add(Long.toString(millis.getAsLong()));
    argv.add(Long.toString(MARKER_TTL_MS));
    argv.add(Long.toString(tokens));
    argv.addAll(pairs);
    if (!loaded) {
      // Loaded once (and again after a failure: a restarted Redis forgot it). Not by a NOSCRIPT
      // reply, which the store would take for an outage.
      return store
          .send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(SCRIPT))
          .compose(
              r -> {
                loaded = true;
                return run(marker, mode, tokens, buckets, pairs);
              });
    }
    return store.send(command(SHA, marker, buckets, argv)).onFailure(err -> loaded = false);
  }

  private static Request command(
      String sha, String marker, List<String> buckets, List<String> argv) {
    Request request = Request.cmd(Command.EVALSHA).arg(sha).arg(buckets.size() + 1).arg(marker);
    buckets.forEach(request::arg);
    argv.forEach(request::arg);
    return request;
  }

  private static String script() {
    try (InputStream in = SharedClientRateLimits.class.getResourceAsStream("client_rate.lua")) {
      if (in == null) {
        throw new IllegalStateException("client_rate.lua is missing from the jar");
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
