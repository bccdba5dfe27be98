package dev.switchboard.operator.metrics;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.operator.rollout.CanaryObserver;
import dev.switchboard.operator.rollout.RolloutDecision;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's own Prometheus metrics, served on {@code /metrics} by the JDK's HTTP server (the
 * operator runs no Vert.x server). Per route under a canary:
 *
 * <ul>
 *   <li>{@code switchboard_canary_weight{namespace,route}}: the canary's current traffic share;
 *   <li>{@code switchboard_canary_verdict{namespace,route,verdict}}: 1 for the last analysis's
 *       verdict (Pass, Fail, Inconclusive), 0 for the others;
 *   <li>{@code switchboard_canary_phase{namespace,route,phase}}: 1 for the route's rollout phase.
 * </ul>
 */
public final class OperatorMetrics implements CanaryObserver, AutoCloseable {

  private static final List<String> VERDICTS = List.of("Pass", "Fail", "Inconclusive");
  private static final List<String> PHASES =
      List.of("Stable", "Progressing", "Paused", "RolledBack", "Failed");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, RouteGauges> routes = new ConcurrentHashMap<>();
  private HttpServer server;

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Serves {@code /metrics}, plus {@code /healthz} and {@code /readyz} for the chart's probes, on
   * {@code port} (0: a free port) on all interfaces.
   *
   * @return the port actually bound
   */
  public synchronized int serve(int port) {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve operator metrics on port " + port, e);
    }
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    // The Helm chart probes these on the same port. A standby replica (not the leader) is ready
    // too: readiness means "able to take over", and answering at all means the JVM is alive.
    for (String probe : List.of("/healthz", "/readyz")) {
      server.createContext(
          probe,
          exchange -> {
            byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          });
    }
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "operator-metrics-http");
              t.setDaemon(true);
              return t;
            }));
    server.start();
    return server.getAddress().getPort();
  }

  @Override
  public void observed(
      String namespace, String route, String phase, int canaryWeight, String verdict) {
    String key = key(namespace, route);
    if (RolloutDecision.STABLE.equals(phase)
        && canaryWeight == 0
        && verdict == null
        && !routes.containsKey(key)) {
      // A route that has had no rollout since the operator started exports nothing: nine gauges
      // for each of 10,000 routes were 30 MiB of the operator's heap, all reading "Stable".
      return;
    }
    RouteGauges gauges = routes.computeIfAbsent(key, k -> register(namespace, route));
    gauges.weight().set(canaryWeight);
    gauges.verdict().set(verdict);
    gauges.phase().set(phase);
  }

  @Override
  public void forgotten(String namespace, String route) {
    RouteGauges gauges = routes.remove(key(namespace, route));
    if (gauges != null) {
      gauges.meters().forEach(registry::remove);
    }
  }

  /** The per-route rollout gauges: exported for routes that have had a rollout. */
  public static final String CANARY_WEIGHT = "switchboard_canary_weight";

  public static final String CANARY_VERDICT = "switchboard_canary_verdict";
  public static final String CANARY_PHASE = "switchboard_canary_phase";

  private RouteGauges register(String namespace, String route) {
    AtomicInteger weight = new AtomicInteger();
    AtomicReference<String> verdict = new AtomicReference<>();
    AtomicReference<String> phase = new AtomicReference<>();
    List<Meter> meters = new ArrayList<>();
    meters.add(
        Gauge.builder(CANARY_WEIGHT, weight, AtomicInteger::get)
            .description("Traffic percentage the route's canary takes (0 without a canary)")
            .tag("namespace", namespace)
            .tag("route", route)
            .register(registry));
    for (String v : VERDICTS) {
      meters.add(
          Gauge.builder(CANARY_VERDICT, verdict, r -> v.equals(r.get()) ? 1 : 0)
              .description("1 for the verdict of the route's last canary analysis")
              .tag("namespace", namespace)
              .tag("route", route)
              .tag("verdict", v)
              .register(registry));
    }
    for (String p : PHASES) {
      meters.add(
          Gauge.builder(CANARY_PHASE, phase, r -> p.equals(r.get()) ? 1 : 0)
              .description("1 for the route's rollout phase")
              .tag("namespace", namespace)
              .tag("route", route)
              .tag("phase", p)
              .register(registry));
    }
    return new RouteGauges(weight, verdict, phase, meters);
  }

  private static String key(String namespace, String route) {
    return namespace + "/" + route;
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
    registry.close();
  }

  private record RouteGauges(
      AtomicInteger weight,
      AtomicReference<String> verdict,
      AtomicReference<String> phase,
      List<Meter> meters) {}
}
