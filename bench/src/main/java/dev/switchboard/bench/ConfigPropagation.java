package dev.switchboard.bench;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.config.kubernetes.KubernetesConfigSource;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Times a ModelRoute change from the API write to the first response the gateway serves with the
 * new table, wired as in a cluster: embedded Kubernetes API, the operator rendering the ConfigMap,
 * and a gateway watching it through {@link KubernetesConfigSource}. The change moves the route to
 * another upstream model id, which the gateway reports in {@code x-switchboard-target-model}. Then
 * times a consumer key's revocation the same way (issue #17: refused within 1 s): the key Secret of
 * a Consumer is edited to a new key, and the time runs until the old key is answered 401.
 */
public final class ConfigPropagation {

  private static final String NAMESPACE = "default";
  private static final String ROUTE = "bench-propagation";
  private static final List<String> CRDS =
      List.of(
          "crds/providerendpoints.switchboard.dev-v1.yml",
          "crds/routingpolicies.switchboard.dev-v1.yml",
          "crds/modelroutes.switchboard.dev-v1.yml",
          "crds/consumers.switchboard.dev-v1.yml");

  /** How long one change may take before the run gives up on it. */
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(30);

  private ConfigPropagation() {}

  /**
   * Result of the propagation run.
   *
   * @param changeToServed time from the API write to the first response with the new target
   * @param failures changes not served within the timeout
   * @param editToRefused time from a key Secret's edit to the first 401 for the old key
   * @param revocationFailures revocations whose old key was still admitted after the timeout
   */
  public record Result(
      LatencySamples changeToServed,
      int failures,
      LatencySamples editToRefused,
      int revocationFailures) {}

  /** Applies {@code changes} ModelRoute changes against an upstream on {@code upstreamPort}. */
  public static Result run(int upstreamPort, int changes) throws IOException {
    LatencySamples samples = new LatencySamples();
    LatencySamples revocations = new LatencySamples();
    int failures = 0;
    int revocationFailures = 0;
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      installCrds(api);
      KubernetesClient client = api.client();
      createBenchUpstream(client, upstreamPort, true);
      client
          .resource(
              """
              apiVersion: switchboard.dev/v1alpha1
              kind: ModelRoute
              metadata: {name: bench-propagation, namespace: default}
              spec:
                model: bench-propagation
                targets:
                  - {providerRef: {name: bench-upstream}, model: model-0, weight: 1, priority: 0}
              """)
          .create();
      try (KubernetesClient operatorClient =
              TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
          SwitchboardOperator operator =
              SwitchboardOperator.start(
                  operatorClient, OperatorSettings.forMockApiServer(), Clock.systemUTC())) {
        Vertx vertx = Vertx.vertx();
        GatewayServer gateway = null;
        try {
          gateway = watchingGateway(vertx, api, NAMESPACE);
          HttpClient http = HttpClient.newHttpClient();
          URI uri = URI.create("http://127.0.0.1:" + gateway.port() + HttpTarget.PATH);
          if (awaitTarget(http, uri, "model-0", Duration.ofSeconds(60)) < 0) {
            throw new IllegalStateException("the gateway never served the first table");
          }
          for (int i = 1; i <= changes; i++) {
            String model = "model-" + i;
            long start = System.nanoTime();
            setFirstTargetModel(client, NAMESPACE, ROUTE, model);
            long servedAt = awaitTarget(http, uri, model, CHANGE_TIMEOUT);
            if (servedAt < 0) {
              failures++;
            } else {
              samples.add(servedAt - start);
            }
            // Let informers and the operator settle, as between two real edits.
            ChildJvm.pause(200);
          }
          revocationFailures = revocations(client, http, uri, changes, revocations);
        } finally {
          if (gateway != null) {
            Futures.await(gateway.close(), 10);
          }
          Futures.await(vertx.close(), 10);
        }
      }
    }
    return new Result(samples, failures, revocations, revocationFailures);
  }

  /**
   * A Consumer with one key Secret; {@code count} times the Secret is edited to a new key, and the
   * time from the edit to the old key's first 401 is added to {@code samples}. Returns how many old
   * keys were still admitted after {@link #CHANGE_TIMEOUT}.
   */
  private static int revocations(
      KubernetesClient client, HttpClient http, URI uri, int count, LatencySamples samples) {
    String key = "sk-bench-revocation-0";
    client
        .resource(
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: bench-consumer-key, namespace: default}
            type: Opaque
            stringData: {apiKey: %s}
            """
                .formatted(key))
        .create();
    client
        .resource(
            """
            apiVersion: switchboard.dev/v1alpha1
            kind: Consumer
            metadata: {name: bench-consumer, namespace: default}
            spec:
              keySecretRefs: [{name: bench-consumer-key, key: apiKey}]
              models: ["*"]
            """)
        .create();
    if (awaitStatus(http, uri, key, 200, Duration.ofSeconds(60)) < 0) {
      throw new IllegalStateException("the gateway never admitted the bench consumer's key");
    }
    int failures = 0;
    for (int i = 1; i <= count; i++) {
      String old = key;
      key = "sk-bench-revocation-" + i;
      String next = key;
      long start = System.nanoTime();
      client
          .secrets()
          .inNamespace(NAMESPACE)
          .withName("bench-consumer-key")
          .edit(
              secret -> {
                // Both forms, as a client may write them (the API server keeps data).
                secret.setStringData(java.util.Map.of("apiKey", next));
                secret.setData(
                    java.util.Map.of(
                        "apiKey",
                        java.util.Base64.getEncoder()
                            .encodeToString(
                                next.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                return secret;
              });
      long refusedAt = awaitStatus(http, uri, old, 401, CHANGE_TIMEOUT);
      if (refusedAt < 0) {
        failures++;
      } else {
        samples.add(refusedAt - start);
      }
      if (awaitStatus(http, uri, next, 200, CHANGE_TIMEOUT) < 0) {
        throw new IllegalStateException("the gateway never admitted the rotated key " + i);
      }
      ChildJvm.pause(200);
    }
    return failures;
  }

  /**
   * Sends requests with {@code key} back to back until one is answered {@code status}; returns the
   * {@link System#nanoTime()} of that response, or -1 on timeout.
   */
  private static long awaitStatus(
      HttpClient http, URI uri, String key, int status, Duration timeout) {
    HttpRequest request = chat(uri, key);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == status) {
          return System.nanoTime();
        }
      } catch (IOException e) {
        ChildJvm.pause(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
    return -1;
  }

  /** Installs the generated CRDs bundled in the bench jar. */
  /**
   * Creates the {@code bench-upstream} ProviderEndpoint (openai-compatible, {@code maxConcurrency:
   * 64}) in {@code default}, pointing at {@code port} on loopback; {@code fast} adds the mock's
   * {@code x-mock-fast} header (pre-rendered answers).
   */
  static void createBenchUpstream(KubernetesClient client, int port, boolean fast) {
    client
        .resource(
            """
            apiVersion: switchboard.dev/v1alpha1
            kind: ProviderEndpoint
            metadata: {name: bench-upstream, namespace: default}
            spec:
              provider: openai-compatible
              baseUrl: http://127.0.0.1:%d/v1
              maxConcurrency: 64
            %s"""
                .formatted(port, fast ? "  headers: {x-mock-fast: \"true\"}\n" : ""))
        .create();
  }

  /**
   * A gateway in this JVM watching {@code namespace} through the API server, as a pod does, on
   * ports the OS picks.
   */
  static GatewayServer watchingGateway(Vertx vertx, EmbeddedKubernetesApi api, String namespace) {
    return Futures.await(
        GatewayServer.start(
            vertx,
            GatewayOptions.defaults()
                .withHost("127.0.0.1")
                .withPort(0)
                .withAdminPort(0)
                .withNamespace(namespace),
            new KubernetesConfigSource(api.newClient(), namespace, true)),
        60);
  }

  /**
   * Points the first target of ModelRoute {@code route} at {@code model} (one route change);
   * returns the route as written.
   */
  static ModelRoute setFirstTargetModel(
      KubernetesClient client, String namespace, String route, String model) {
    return client
        .resources(ModelRoute.class)
        .inNamespace(namespace)
        .withName(route)
        .edit(
            r -> {
              r.getSpec().getTargets().get(0).setModel(model);
              return r;
            });
  }

  static void installCrds(EmbeddedKubernetesApi api) throws IOException {
    for (String crd : CRDS) {
      try (InputStream in = ConfigPropagation.class.getClassLoader().getResourceAsStream(crd)) {
        if (in == null) {
          throw new IllegalStateException("CRD " + crd + " is missing from the bench jar");
        }
        api.installCrds(in);
      }
    }
  }

  /** A one-line chat request to the bench route, with {@code key} as its bearer key if not null. */
  private static HttpRequest chat(URI uri, String key) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(5))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + ROUTE
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    return b.build();
  }

  /**
   * Sends requests back to back until one is served by {@code model}; returns the {@link
   * System#nanoTime()} of that response, or -1 on timeout.
   */
  private static long awaitTarget(HttpClient http, URI uri, String model, Duration timeout) {
    HttpRequest request = chat(uri, null);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        long now = System.nanoTime();
        if (response.statusCode() == 200
            && model.equals(
                response.headers().firstValue("x-switchboard-target-model").orElse(null))) {
          return now;
        }
        if (response.statusCode() != 200) {
          // No table yet: ask again shortly rather than spin.
          ChildJvm.pause(5);
        }
      } catch (IOException e) {
        // Not serving yet (the first table); keep asking.
        ChildJvm.pause(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
    return -1;
  }
}
