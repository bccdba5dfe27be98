package dev.switchboard.gateway.config.kubernetes;

import static dev.switchboard.gateway.GatewayHarness.chat;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableLayout;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.ReloadResult;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kubernetes mode against an in-process API server: ConfigMap and Secret changes apply live. */
class KubernetesConfigSourceIT {

  static final String NS = EmbeddedKubernetesApi.DEFAULT_NAMESPACE;

  EmbeddedKubernetesApi api;
  KubernetesClient kube;
  Vertx vertx;
  MockProvider mock;
  GatewayServer gateway;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    api = EmbeddedKubernetesApi.start();
    kube = api.client();
    vertx = Vertx.vertx();
    mock = MockProvider.startBlocking(vertx, new MockProviderOptions().keys("sk-1"));
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
    api.close();
  }

  private RoutingTable table(String alias) {
    return TestTables.table(
        List.of(provider("mock", mock.baseUrl(), true)),
        List.of(route("chat", List.of(alias), target("mock", "gpt-4o-mini", 0))));
  }

  private void putTable(String json) {
    kube.configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(RoutingTable.CONFIG_MAP_NAME)
                .withNamespace(NS)
                .endMetadata()
                .withData(Map.of(RoutingTable.CONFIG_MAP_KEY, json))
                .build())
        .createOr(existing -> existing.update());
  }

  private void putKey(String provider, String key) {
    kube.secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(RoutingTable.KEYS_SECRET_NAME)
                .withNamespace(NS)
                .endMetadata()
                .withData(
                    Map.of(
                        provider,
                        Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8))))
                .build())
        .createOr(existing -> existing.update());
  }

  private int chatStatus() throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat("chat", false)))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private String servedVersion() {
    return gateway.routingState().current().map(RoutingSnapshot::configVersion).orElse("");
  }

  @Test
  void configMapAndSecretChangesApplyAndInvalidTablesAreRejected() throws Exception {
    putKey("mock", "sk-1");
    putTable(RoutingTableCodec.encodeToString(table("v0")));
    gateway =
        GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withNamespace(NS),
                new KubernetesConfigSource(api.newClient(), NS, true))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> servedVersion().equals(RoutingTableCodec.configVersionOf(table("v0"))));
    assertThat(chatStatus()).isEqualTo(200);

    putTable(RoutingTableCodec.encodeToString(table("v1")));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> servedVersion().equals(RoutingTableCodec.configVersionOf(table("v1"))));

    putTable("{\"schemaVersion\":1,\"routes\":[{\"name\":\"broken\",\"model\":\"broken\"}]}");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .routingState()
                    .lastReload()
                    .map(r -> r.result().equals(ReloadResult.REJECTED))
                    .orElse(false));
    assertThat(servedVersion()).isEqualTo(RoutingTableCodec.configVersionOf(table("v1")));
    assertThat(chatStatus()).isEqualTo(200);

    mock.setKeys("sk-1", "sk-2");
    putKey("mock", "sk-2");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                chatStatus() == 200
                    && RequestRecord.fingerprint("sk-2")
                        .equals(mock.requests().get(mock.requests().size() - 1).keyFingerprint()));
    mock.setKeys("sk-2");
    assertThat(chatStatus()).isEqualTo(200);
  }

  @Test
  void aCompressedTableThatIsNotGzipIsRejectedVisiblyAndTheLastTableKeepsServing()
      throws Exception {
    putKey("mock", "sk-1");
    putTable(RoutingTableCodec.encodeToString(table("v0")));
    gateway =
        GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withNamespace(NS),
                new KubernetesConfigSource(api.newClient(), NS, true))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    String v0 = RoutingTableCodec.configVersionOf(table("v0"));
    await().atMost(Duration.ofSeconds(10)).until(() -> servedVersion().equals(v0));

    putConfigMap(
        new RoutingTableLayout.Part(
            RoutingTable.CONFIG_MAP_NAME,
            Map.of(),
            Map.of(
                RoutingTableLayout.COMPRESSED_KEY,
                "{\"not\":\"gzip\"}".getBytes(StandardCharsets.UTF_8))));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .routingState()
                    .lastReload()
                    .map(r -> r.result().equals(ReloadResult.REJECTED))
                    .orElse(false));
    ReloadResult rejected = gateway.routingState().lastReload().orElseThrow();
    assertThat(rejected.origin()).isEqualTo("configmap/" + NS + "/" + RoutingTable.CONFIG_MAP_NAME);
    assertThat(rejected.problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("not valid gzip");
    assertThat(gateway.metrics().scrape())
        .contains("switchboard_config_reload_total{result=\"rejected\"} 1.0");
    assertThat(servedVersion()).isEqualTo(v0);
    assertThat(chatStatus()).isEqualTo(200);
  }

  @Test
  void aRoutingConfigMapWithNoneOfItsKeysIsRejectedVisiblyAndTheLastTableKeepsServing()
      throws Exception {
    putKey("mock", "sk-1");
    putTable(RoutingTableCodec.encodeToString(table("v0")));
    gateway =
        GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withNamespace(NS),
                new KubernetesConfigSource(api.newClient(), NS, true))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    String v0 = RoutingTableCodec.configVersionOf(table("v0"));
    await().atMost(Duration.ofSeconds(10)).until(() -> servedVersion().equals(v0));

    // Someone (a hand edit, a broken sync tool) leaves the routing ConfigMap without its table.
    putConfigMap(
        new RoutingTableLayout.Part(
            RoutingTable.CONFIG_MAP_NAME, Map.of("routing.yaml", "routes: []"), Map.of()));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                gateway
                    .routingState()
                    .lastReload()
                    .map(r -> r.result().equals(ReloadResult.REJECTED))
                    .orElse(false));
    ReloadResult rejected = gateway.routingState().lastReload().orElseThrow();
    assertThat(rejected.origin()).isEqualTo("configmap/" + NS + "/" + RoutingTable.CONFIG_MAP_NAME);
    assertThat(rejected.problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("none of the keys")
        .contains(RoutingTable.CONFIG_MAP_KEY);
    assertThat(gateway.metrics().scrape())
        .contains("switchboard_config_reload_total{result=\"rejected\"} 1.0");
    assertThat(servedVersion()).isEqualTo(v0);
    assertThat(chatStatus()).isEqualTo(200);
  }

  /** A table of many routes whose compressed form spans several small shards. */
  private RoutingTable largeTable(String salt) {
    List<RoutingTable.Route> routes = new ArrayList<>();
    routes.add(route("chat", List.of(salt), target("mock", "gpt-4o-mini", 0)));
    for (int i = 0; i < 300; i++) {
      routes.add(
          route(
              "route-" + RoutingTableLayout.sha256((salt + i).getBytes()).substring(0, 20),
              List.of(),
              target("mock", "gpt-4o-mini", 0)));
    }
    return TestTables.table(List.of(provider("mock", mock.baseUrl(), true)), routes);
  }

  private void putConfigMap(RoutingTableLayout.Part part) {
    Map<String, String> binary = new java.util.TreeMap<>();
    part.binaryData().forEach((k, v) -> binary.put(k, Base64.getEncoder().encodeToString(v)));
    kube.configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(part.name())
                .withNamespace(NS)
                .endMetadata()
                .withData(part.data())
                .withBinaryData(binary)
                .build())
        .createOr(existing -> existing.update());
  }

  @Test
  void compressedAndShardedTablesLoadOnlyWhenEveryShardOfTheManifestIsThere() throws Exception {
    putKey("mock", "sk-1");
    RoutingTable first = largeTable("a");
    RoutingTableLayout.Layout compressed =
        RoutingTableLayout.layout(
            RoutingTableCodec.encode(first),
            RoutingTableCodec.configVersionOf(first),
            1024,
            RoutingTableLayout.SHARD_MAX_BYTES,
            RoutingTableLayout.MAX_SHARDS);
    putConfigMap(compressed.main());
    gateway =
        GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withNamespace(NS),
                new KubernetesConfigSource(api.newClient(), NS, true))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertThat(compressed.form()).isEqualTo(RoutingTableLayout.Form.COMPRESSED);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> servedVersion().equals(RoutingTableCodec.configVersionOf(first)));

    RoutingTable second = largeTable("b");
    RoutingTableLayout.Layout sharded =
        RoutingTableLayout.layout(
            RoutingTableCodec.encode(second),
            RoutingTableCodec.configVersionOf(second),
            1024,
            4 * 1024,
            RoutingTableLayout.MAX_SHARDS);
    assertThat(sharded.shards()).hasSizeGreaterThan(1);
    // The manifest before its shards (a reader faster than the writer): nothing half-loaded.
    try (LogCapture reads =
        LogCapture.of(KubernetesConfigSource.class.getName(), ch.qos.logback.classic.Level.DEBUG)) {
      putConfigMap(sharded.main());
      putConfigMap(sharded.shards().get(0));
      // Wait until the source has found the set incomplete and read it again (not for a time).
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  reads.messages().stream()
                          .filter(m -> m.contains("reading the shards again"))
                          .count()
                      >= 2);
    }
    assertThat(servedVersion()).isEqualTo(RoutingTableCodec.configVersionOf(first));
    assertThat(chatStatus()).isEqualTo(200);
    // The rest of the shards arrive: the retry picks the whole table up.
    sharded.shards().stream().skip(1).forEach(this::putConfigMap);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> servedVersion().equals(RoutingTableCodec.configVersionOf(second)));
    assertThat(chatStatus()).isEqualTo(200);
  }
}
