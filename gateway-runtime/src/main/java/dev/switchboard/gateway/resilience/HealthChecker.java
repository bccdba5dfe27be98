package dev.switchboard.gateway.resilience;

import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingDefaults;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.UpstreamClients;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking of one ProviderEndpoint: every {@code interval} a cheap {@code GET
 * {baseUrl}/models} (Azure: {@code /openai/models?api-version=...}) with the provider's key; a 2xx
 * within {@code timeout} is a success. After {@code unhealthyThreshold} consecutive failures the
 * provider is marked unhealthy (its targets are skipped), after {@code healthyThreshold}
 * consecutive successes healthy again. Runs on Vert.x timers and the non-blocking HTTP client; a
 * probe still in flight when the next tick comes is not doubled.
 */
final class HealthChecker {

  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

  /** Defaults for fields a {@code healthCheck} block leaves out. */
  static final long DEFAULT_INTERVAL_MS = Durations.toMillis(RoutingDefaults.HEALTH_INTERVAL);

  static final long DEFAULT_TIMEOUT_MS = Durations.toMillis(RoutingDefaults.HEALTH_TIMEOUT);
  static final int DEFAULT_UNHEALTHY_THRESHOLD = RoutingDefaults.UNHEALTHY_THRESHOLD;
  static final int DEFAULT_HEALTHY_THRESHOLD = RoutingDefaults.HEALTHY_THRESHOLD;

  private final GatewayClock clock;
  private final UpstreamClients clients;
  private final RoutingTable.Provider provider;

  /**
   * The provider's current guard: a reload that changes its protection settings replaces the guard
   * while this checker keeps running.
   */
  private final java.util.function.Supplier<ProviderGuard> guard;

  private final Function<String, Optional<String>> keys;
  private final long intervalMs;
  private final long timeoutMs;
  private final int unhealthyThreshold;
  private final int healthyThreshold;
  private long timerId = -1;
  private boolean probing;
  private volatile boolean stopped;
  private int successes;
  private int failures;

  HealthChecker(
      GatewayClock clock,
      UpstreamClients clients,
      RoutingTable.Provider provider,
      java.util.function.Supplier<ProviderGuard> guard,
      Function<String, Optional<String>> keys) {
    this.clock = clock;
    this.clients = clients;
    this.provider = provider;
    this.guard = guard;
    this.keys = keys;
    RoutingTable.HealthCheck hc = provider.healthCheck();
    this.intervalMs = positiveOr(hc.intervalMs(), DEFAULT_INTERVAL_MS);
    this.timeoutMs = Math.min(intervalMs, positiveOr(hc.timeoutMs(), DEFAULT_TIMEOUT_MS));
    this.unhealthyThreshold = positiveOr(hc.unhealthyThreshold(), DEFAULT_UNHEALTHY_THRESHOLD);
    this.healthyThreshold = positiveOr(hc.healthyThreshold(), DEFAULT_HEALTHY_THRESHOLD);
  }

  /** The checker's identity: a reload with another health-check block or URL restarts it. */
  static Object fingerprint(RoutingTable.Provider p) {
    return java.util.List.of(
        String.valueOf(p.healthCheck()),
        String.valueOf(p.baseUrl()),
        String.valueOf(p.kind()),
        String.valueOf(p.apiVersion()));
  }

  void start() {
    // Periodic timers run on an event-loop context; everything below stays on it.
    timerId = clock.setPeriodic(intervalMs, id -> probe());
  }

  void stop() {
    stopped = true;
    if (timerId >= 0) {
      clock.cancelTimer(timerId);
    }
  }

  private void probe() {
    if (probing || stopped) {
      return;
    }
    probing = true;
    Promise<Boolean> result = Promise.promise();
    AtomicReference<HttpClientRequest> current = new AtomicReference<>();
    long timeout =
        clock.setTimer(
            timeoutMs,
            id -> {
              if (result.tryComplete(false)) {
                HttpClientRequest req = current.get();
                if (req != null) {
                  req.reset();
                }
              }
            });
    // Built inside the try, and the completion below registered whatever happens: a header value
    // the HTTP client refuses (a key with a line break) throws with the whole value in the
    // message, which must neither escape to the timer's log nor leave `probing` set for good.
    try {
      MultiMap headers = HttpHeaders.headers();
      // The adapter's headers: its auth style and the provider's version header
      // (anthropic-version).
      UpstreamAdapters.forProvider(provider)
          .headers(provider, keys.apply(provider.name()), "health-check", false, headers);
      headers.remove("Content-Type");
      RequestOptions options =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setAbsoluteURI(url(provider))
              .setConnectTimeout(timeoutMs)
              .setHeaders(headers);
      clients
          .clientFor(provider)
          .request(options)
          .compose(
              req -> {
                current.set(req);
                return req.send();
              })
          .compose(
              resp -> {
                // A probe needs the status only: the body is drained, never buffered, so an
                // endless answer costs no memory (the probe's timeout ends it).
                resp.handler(ignored -> {});
                return resp.end().map(v -> resp.statusCode());
              })
          .onComplete(
              ar -> {
                if (ar.succeeded() && !stopped) {
                  credentialVerdict(ar.result());
                }
                result.tryComplete(ar.succeeded() && ar.result() / 100 == 2);
              });
    } catch (RuntimeException e) {
      // The type only: the message may quote a header value, the key.
      LOG.warn(
          "health probe of provider {} not sent ({}): is its key a single valid key?",
          provider.name(),
          e.getClass().getSimpleName());
      result.tryComplete(false);
    }
    result
        .future()
        .onComplete(
            ar -> {
              clock.cancelTimer(timeout);
              probing = false;
              if (!stopped) {
                record(ar.result());
              }
            });
  }

  /** A probe answered: 401/403 means the key is rejected, 2xx that it is accepted. */
  private void credentialVerdict(int status) {
    ProviderGuard g = guard.get();
    if (g == null) {
      return;
    }
    if (status == 401 || status == 403) {
      g.rejectCredentials(keys.apply(provider.name()));
    } else if (status / 100 == 2) {
      g.credentialsAccepted();
    }
  }

  private void record(boolean ok) {
    ProviderGuard guard = this.guard.get();
    if (guard == null) {
      return;
    }
    if (ok) {
      failures = 0;
      successes++;
      if (!guard.healthy() && successes >= healthyThreshold) {
        guard.healthy(true);
        LOG.info("provider {} is healthy again after {} good probes", provider.name(), successes);
      }
    } else {
      successes = 0;
      failures++;
      if (guard.healthy() && failures >= unhealthyThreshold) {
        guard.healthy(false);
        LOG.warn("provider {} is unhealthy after {} failed probes", provider.name(), failures);
      }
    }
  }

  /** The probe URL: the cheapest authenticated call each provider offers. */
  static String url(RoutingTable.Provider provider) {
    return UpstreamRequests.baseUrl(provider)
        + UpstreamAdapters.forProvider(provider).probePath(provider);
  }

  private static long positiveOr(Long value, long fallback) {
    return value == null || value <= 0 ? fallback : value;
  }

  private static int positiveOr(Integer value, int fallback) {
    return value == null || value <= 0 ? fallback : value;
  }
}
