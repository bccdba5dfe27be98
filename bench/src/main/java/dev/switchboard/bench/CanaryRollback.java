package dev.switchboard.bench;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.rollout.ProgressiveCanaryPlanner;
import dev.switchboard.operator.rollout.metrics.GatewayScrapeSource;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Times an automatic canary rollback, wired as in a cluster: the operator runs the progressive
 * canary planner and scrapes this gateway's {@code /metrics} (admin port); a ModelRoute moves to a
 * target whose provider answers every request with HTTP 500, under steady client traffic. Measured:
 * the time from the change to {@code status.phase: RolledBack}, and how long clients were exposed
 * to the canary (first to last response that touched it).
 */
public final class CanaryRollback {

  private static final String NAMESPACE = "default";
  private static final String ROUTE = "bench-canary";
  private static final Duration LIMIT = Duration.ofSeconds(120);

  private CanaryRollback() {}

  /**
   * Result of one rollback.
   *
   * @param changeToRolledBackMs change written → RolledBack seen in status, or NaN
   * @param canaryExposureMs first → last response that touched the canary arm, or NaN
   * @param touchedCanary responses that touched the canary (served by it, failed, or retried)
   * @param requests responses during the run
   * @param analysisInterval the analysis interval the route used
   */
  public record Result(
      double changeToRolledBackMs,
      double canaryExposureMs,
      int touchedCanary,
      int requests,
      String analysisInterval) {}

  /** Runs one canary that must be rolled back, against the upstream on {@code upstreamPort}. */
  public static Result run(int upstreamPort) throws IOException {
    String interval = "2s";
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      ConfigPropagation.installCrds(api);
      KubernetesClient client = api.client();
      for (String[] provider :
          List.of(
              new String[] {"bench-stable", "x-mock-fast: \"true\""},
              new String[] {
                "bench-broken", "x-mock-fast: \"true\", x-mock-fault: \"status:500\""
              })) {
        client
            .resource(
                """
                apiVersion: switchboard.dev/v1alpha1
                kind: ProviderEndpoint
                metadata: {name: %s, namespace: default}
                spec:
                  provider: openai-compatible
                  baseUrl: http://127.0.0.1:%d/v1
                  headers: {%s}
                  maxConcurrency: 64
                """
                    .formatted(provider[0], upstreamPort, provider[1]))
            .create();
      }
      client
          .resource(
              """
              apiVersion: switchboard.dev/v1alpha1
              kind: ModelRoute
              metadata: {name: bench-canary, namespace: default}
              spec:
                model: bench-canary
                targets:
                  - {providerRef: {name: bench-stable}, model: model-stable, weight: 1, priority: 0}
                canary:
                  mode: split
                  steps: [{weight: 50, pause: 1m}]
                  analysis: {interval: %s, minRequests: 20, maxErrorRate: 0.02}
                  metrics: {source: gateway}
              """
                  .formatted(interval))
          .create();
      AtomicInteger gatewayAdminPort = new AtomicInteger();
      GatewayScrapeSource scrape =
          new GatewayScrapeSource(
              namespace ->
                  List.of(URI.create("http://127.0.0.1:" + gatewayAdminPort.get() + "/metrics")),
              Clock.systemUTC());
      try (KubernetesClient operatorClient =
              TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
          SwitchboardOperator operator =
              SwitchboardOperator.start(
                  operatorClient,
                  OperatorSettings.forMockApiServer(),
                  Clock.systemUTC(),
                  new ProgressiveCanaryPlanner(Clock.systemUTC(), scrape))) {
        Vertx vertx = Vertx.vertx();
        GatewayServer gateway = null;
        try {
          gateway = ConfigPropagation.watchingGateway(vertx, api, NAMESPACE);
          gatewayAdminPort.set(gateway.adminPort());
          return measure(client, gateway.port(), interval);
        } finally {
          if (gateway != null) {
            Futures.await(gateway.close(), 10);
          }
          Futures.await(vertx.close(), 10);
        }
      }
    }
  }

  private static Result measure(KubernetesClient client, int port, String interval) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + HttpTarget.PATH))
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + ROUTE
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build();
    // Steady traffic on the stable table first, so both arms have figures once the canary starts.
    long warm = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < warm) {
      send(http, request);
    }
    long start = System.nanoTime();
    client
        .resources(ModelRoute.class)
        .inNamespace(NAMESPACE)
        .withName(ROUTE)
        .edit(
            route -> {
              route.getSpec().getTargets().get(0).getProviderRef().setName("bench-broken");
              route.getSpec().getTargets().get(0).setModel("model-canary");
              return route;
            });
    long firstCanary = -1;
    long lastCanary = -1;
    long rolledBack = -1;
    int touched = 0;
    int requests = 0;
    long nextStatusCheck = 0;
    long deadline = start + LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<Void> response = send(http, request);
      long now = System.nanoTime();
      requests++;
      if (response != null && touchedCanary(response)) {
        touched++;
        firstCanary = firstCanary < 0 ? now : firstCanary;
        lastCanary = now;
      }
      if (rolledBack < 0 && now >= nextStatusCheck) {
        nextStatusCheck = now + 20_000_000;
        ModelRoute route =
            client.resources(ModelRoute.class).inNamespace(NAMESPACE).withName(ROUTE).get();
        if (route.getStatus() != null && "RolledBack".equals(route.getStatus().getPhase())) {
          rolledBack = now;
        }
      }
      // After the rollback, keep sending for two seconds to see the canary leave the gateway.
      if (rolledBack > 0 && now - rolledBack > 2_000_000_000L) {
        break;
      }
    }
    return new Result(
        rolledBack < 0 ? Double.NaN : (rolledBack - start) / 1e6,
        firstCanary < 0 ? Double.NaN : (lastCanary - firstCanary) / 1e6,
        touched,
        requests,
        interval);
  }

  /** Served by the canary, failed, or retried after a canary failure. */
  private static boolean touchedCanary(HttpResponse<Void> response) {
    String arm = response.headers().firstValue("x-switchboard-arm").orElse("");
    int attempts =
        Integer.parseInt(response.headers().firstValue("x-switchboard-attempts").orElse("1"));
    return "canary".equals(arm) || attempts > 1 || response.statusCode() >= 500;
  }

  private static HttpResponse<Void> send(HttpClient http, HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
