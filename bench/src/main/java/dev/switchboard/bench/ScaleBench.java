package dev.switchboard.bench;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableLayout;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Issue #21, scale: many routes in one namespace.
 *
 * <ul>
 *   <li>{@code operator}: in one JVM, the embedded API server (which refuses ConfigMaps over 1
 *       MiB), the operator and a gateway watching it; applies N ModelRoutes and times until all are
 *       Ready and the gateway serves all of them, then times ~50 one-route changes to served with N
 *       routes present, and reports heap and the published table's bytes per route.
 *   <li>{@code gateway}: a gateway in its own JVM (the chart's JVM options, file mode): RSS and
 *       live heap at 1 and at N routes, reload time of an N-route table, and request latency with
 *       and without a reload every second.
 * </ul>
 *
 * <p>{@code java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.ScaleBench [operator]
 * [gateway] [--routes N] [--changes N]}
 */
public final class ScaleBench {

  private static final String NS = "default";

  private ScaleBench() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("logback.configurationFile") == null) {
      // The suite's quiet logging: a DEBUG line per request would cost the measured CPU.
      System.setProperty("logback.configurationFile", "bench-logback.xml");
    }
    List<String> list = List.of(args);
    int routes = intArg(list, "--routes", 10_000);
    int changes = intArg(list, "--changes", 50);
    boolean all = !list.contains("operator") && !list.contains("gateway");
    System.out.println("load before: " + uptime());
    if (all || list.contains("gateway")) {
      gateway(routes);
    }
    if (all || list.contains("operator")) {
      operator(routes, changes);
    }
    System.out.println("load after: " + uptime());
  }

  private static int intArg(List<String> args, String name, int fallback) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? Integer.parseInt(args.get(i + 1)) : fallback;
  }

  static String uptime() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim()
          + " (1/5/15-min load, /proc/loadavg)";
    } catch (IOException e) {
      return "unknown";
    }
  }

  // ---------------------------------------------------------------- operator

  static void operator(int count, int changes) throws Exception {
    Runtime rt = Runtime.getRuntime();
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      ConfigPropagation.installCrds(api);
      KubernetesClient client = api.client();
      ConfigPropagation.createBenchUpstream(client, 9, false);
      long heapBefore = usedAfterGc(rt);
      try (KubernetesClient operatorClient =
              TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
          SwitchboardOperator operator =
              SwitchboardOperator.start(
                  operatorClient, OperatorSettings.forMockApiServer(), Clock.systemUTC())) {
        Vertx vertx = Vertx.vertx();
        GatewayServer gateway = ConfigPropagation.watchingGateway(vertx, api, NS);
        try {
          long start = System.nanoTime();
          ExecutorService writers = Executors.newFixedThreadPool(4);
          List<Future<?>> writes = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            String yaml = routeYaml(i, "model-0");
            writes.add(writers.submit(() -> client.resource(yaml).create()));
          }
          for (Future<?> w : writes) {
            w.get();
          }
          writers.shutdown();
          double appliedS = seconds(System.nanoTime() - start);
          System.out.printf("operator: %d ModelRoutes applied in %.1f s%n", count, appliedS);
          long servedAt = -1;
          long readyAt = -1;
          long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(60);
          long lastReport = 0;
          while ((servedAt < 0 || readyAt < 0) && System.nanoTime() < deadline) {
            int served =
                gateway.routingState().current().map(s -> s.table().routes().size()).orElse(0);
            if (servedAt < 0 && served == count) {
              servedAt = System.nanoTime();
            }
            long ready = readyCount(client);
            if (readyAt < 0 && ready == count) {
              readyAt = System.nanoTime();
            }
            if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(30)) {
              lastReport = System.nanoTime();
              System.out.printf(
                  "  t=%.0f s: gateway serves %d routes, %d Ready; load %s%n",
                  seconds(System.nanoTime() - start), served, ready, uptime());
            }
            ChildJvm.pause(servedAt < 0 ? 200 : 1000);
          }
          System.out.printf(
              "operator: all %d served by the gateway after %.1f s, all Ready after %.1f s%n",
              count,
              servedAt < 0 ? Double.NaN : seconds(servedAt - start),
              readyAt < 0 ? Double.NaN : seconds(readyAt - start));
          ConfigMap map =
              client.configMaps().inNamespace(NS).withName(RoutingTable.CONFIG_MAP_NAME).get();
          RoutingSnapshot snapshot = gateway.routingState().current().orElseThrow();
          byte[] json = RoutingTableCodec.encode(snapshot.table());
          RoutingTableLayout.Layout layout =
              RoutingTableLayout.layout(json, snapshot.configVersion());
          System.out.printf(
              "operator: published table %d bytes JSON (%.0f bytes/route), %s form, %d bytes"
                  + " stored (%.0f bytes/route), %d shards; ConfigMap keys %s %s%n",
              json.length,
              json.length / (double) count,
              layout.form(),
              layout.main().sizeBytes()
                  + layout.shards().stream().mapToLong(RoutingTableLayout.Part::sizeBytes).sum(),
              (layout.main().sizeBytes()
                      + layout.shards().stream()
                          .mapToLong(RoutingTableLayout.Part::sizeBytes)
                          .sum())
                  / (double) count,
              layout.shards().size(),
              map.getData() == null ? "{}" : map.getData().keySet(),
              map.getBinaryData() == null ? "{}" : map.getBinaryData().keySet());
          long heapAfter = usedAfterGc(rt);
          System.out.printf(
              "operator JVM (mock API server + operator + gateway in one JVM): live heap %.1f MiB"
                  + " before the routes, %.1f MiB with %d routes (%.0f bytes/route for all three)%n",
              heapBefore / 1048576.0,
              heapAfter / 1048576.0,
              count,
              (heapAfter - heapBefore) / (double) count);

          // One-route changes with N routes present.
          LatencySamples change = new LatencySamples();
          int failures = 0;
          String route = routeName(count / 2);
          for (int i = 1; i <= changes; i++) {
            String model = "model-" + i;
            long t0 = System.nanoTime();
            ConfigPropagation.setFirstTargetModel(client, NS, route, model);
            long served = awaitServed(gateway, route, model, Duration.ofSeconds(60));
            if (served < 0) {
              failures++;
            } else {
              change.add(served - t0);
            }
            ChildJvm.pause(200);
          }
          System.out.printf(
              "operator: one-route change to served with %d routes: p50 %.0f ms, p99 %.0f ms,"
                  + " max %.0f ms over %d changes (%d not served in 60 s); load %s%n",
              count,
              change.percentileMs(50),
              change.percentileMs(99),
              change.maxMs(),
              change.size(),
              failures,
              uptime());
        } finally {
          Futures.await(gateway.close(), 10);
          Futures.await(vertx.close(), 10);
        }
      }
    }
  }

  private static long readyCount(KubernetesClient client) {
    return client.resources(ModelRoute.class).inNamespace(NS).list().getItems().stream()
        .filter(
            r ->
                r.getStatus() != null
                    && r.getStatus().getConditions() != null
                    && r.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))
                    && r.getMetadata()
                        .getGeneration()
                        .equals(r.getStatus().getObservedGeneration()))
        .count();
  }

  private static long awaitServed(
      GatewayServer gateway, String route, String model, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<RoutingSnapshot> snapshot = gateway.routingState().current();
      if (snapshot.isPresent()
          && snapshot.get().table().routes().stream()
              .anyMatch(r -> r.name().equals(route) && r.targets().get(0).model().equals(model))) {
        return System.nanoTime();
      }
      ChildJvm.pause(2);
    }
    return -1;
  }

  static String routeName(int i) {
    return String.format("team-route-%05d", i);
  }

  /** A bench ModelRoute: two targets on the {@code bench-upstream} provider and an alias. */
  static String routeYaml(int i, String model) {
    return """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: %s, namespace: default}
        spec:
          model: %s
          aliases: [%s-latest]
          targets:
            - {providerRef: {name: bench-upstream}, model: %s, weight: 1, priority: 0}
            - {providerRef: {name: bench-upstream}, model: fallback-model, weight: 1, priority: 1}
        """
        .formatted(routeName(i), routeName(i), routeName(i), model);
  }

  // ---------------------------------------------------------------- gateway

  static void gateway(int count) throws Exception {
    Path dir = Path.of("bench/target/scale");
    Files.createDirectories(dir.resolve("keys"));
    Path routing = dir.resolve("routing.json");
    try (MockProvider upstream =
        MockProvider.startBlocking(new MockProviderOptions().fastPath(true))) {
      RoutingTable small = table(1, upstream.baseUrl(), "model-0");
      RoutingTable large = table(count, upstream.baseUrl(), "model-0");
      RoutingTable largeOther = table(count, upstream.baseUrl(), "model-1");
      write(routing, small);
      int port = freePort();
      int adminPort = freePort();
      try (ChildJvm gw =
          ChildJvm.start(
              "gateway",
              "dev.switchboard.gateway.GatewayMain",
              BenchSettings.CHART_POD_JVM,
              List.of(
                  "--host", "127.0.0.1",
                  "--port", Integer.toString(port),
                  "--admin-port", Integer.toString(adminPort),
                  "--routing-file", routing.toString(),
                  "--keys-dir", dir.resolve("keys").toString(),
                  "--file-check-ms", "50"),
              dir.resolve("gateway.log"))) {
        gw.awaitHttpOk("http://127.0.0.1:" + port + "/readyz", Duration.ofSeconds(60));
        HttpClient http = HttpClient.newHttpClient();
        URI chat = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        URI config = URI.create("http://127.0.0.1:" + adminPort + "/admin/config");
        runLoad(http, chat, 4, Duration.ofSeconds(5), null); // warm-up
        long rssSmall = gw.rssBytes();
        long heapSmall = gw.liveHeapBytes();
        long t0 = System.nanoTime();
        write(routing, large);
        awaitVersion(http, config, RoutingTableCodec.configVersionOf(large));
        double firstLoadMs = (System.nanoTime() - t0) / 1e6;
        runLoad(http, chat, 4, Duration.ofSeconds(5), null); // warm-up on the large table
        long rssLarge = gw.rssBytes();
        long heapLarge = gw.liveHeapBytes();
        System.out.printf(
            "gateway: %d routes: RSS %.1f MiB (1 route: %.1f MiB) = %.0f bytes/route; live heap"
                + " %.1f MiB (1 route: %.1f MiB) = %.0f bytes/route; first load %.0f ms%n",
            count,
            rssLarge / 1048576.0,
            rssSmall / 1048576.0,
            (rssLarge - rssSmall) / (double) count,
            heapLarge / 1048576.0,
            heapSmall / 1048576.0,
            (heapLarge - heapSmall) / (double) count,
            firstLoadMs);

        // Interleaved: quiet, reloading, quiet, reloading; the same clients throughout.
        LatencySamples quiet = new LatencySamples();
        LatencySamples reloading = new LatencySamples();
        LatencySamples reloads = new LatencySamples();
        for (int round = 0; round < 2; round++) {
          quiet.addAll(runLoad(http, chat, 4, Duration.ofSeconds(15), null));
          reloading.addAll(
              runLoad(
                  http,
                  chat,
                  4,
                  Duration.ofSeconds(15),
                  stop -> {
                    boolean other = false;
                    while (!stop.get()) {
                      RoutingTable next = other ? large : largeOther;
                      other = !other;
                      long start = System.nanoTime();
                      write(routing, next);
                      awaitVersion(http, config, RoutingTableCodec.configVersionOf(next));
                      reloads.add(System.nanoTime() - start);
                      ChildJvm.pause(1000);
                    }
                  }));
        }
        System.out.printf(
            "gateway: reload of a %d-route table (file written to new version served, 50 ms file"
                + " check): p50 %.0f ms, max %.0f ms over %d reloads%n",
            count, reloads.percentileMs(50), reloads.maxMs(), reloads.size());
        System.out.printf(
            "gateway: requests (4 clients, fast upstream) without reloads: p50 %.2f ms, p99 %.2f"
                + " ms (%d requests); with a %d-route reload every second: p50 %.2f ms, p99 %.2f"
                + " ms (%d requests); ratio p99 %.2f; load %s%n",
            quiet.percentileMs(50),
            quiet.percentileMs(99),
            quiet.size(),
            count,
            reloading.percentileMs(50),
            reloading.percentileMs(99),
            reloading.size(),
            reloading.percentileMs(99) / quiet.percentileMs(99),
            uptime());
      }
    }
  }

  /** Writes the table atomically (a reader never sees half a file). */
  private static void write(Path file, RoutingTable table) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, RoutingTableCodec.encode(table));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void awaitVersion(HttpClient http, URI config, String version) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        String body =
            http.send(HttpRequest.newBuilder(config).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        if (body.contains(version)) {
          return;
        }
      } catch (IOException e) {
        // try again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      ChildJvm.pause(5);
    }
    throw new IllegalStateException("the gateway never served " + version);
  }

  /** Sends chat requests from {@code clients} threads for {@code duration}. */
  private static LatencySamples runLoad(
      HttpClient http,
      URI chat,
      int clients,
      Duration duration,
      java.util.function.Consumer<AtomicBoolean> alongside)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
    List<Future<LatencySamples>> results = new ArrayList<>();
    String body =
        "{\"model\":\""
            + routeName(0)
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    for (int c = 0; c < clients; c++) {
      results.add(
          pool.submit(
              () -> {
                LatencySamples samples = new LatencySamples();
                HttpRequest request =
                    HttpRequest.newBuilder(chat)
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
                while (!stop.get()) {
                  long t0 = System.nanoTime();
                  HttpResponse<Void> response =
                      http.send(request, HttpResponse.BodyHandlers.discarding());
                  if (response.statusCode() == 200) {
                    samples.add(System.nanoTime() - t0);
                  }
                }
                return samples;
              }));
    }
    Future<?> side = alongside == null ? null : pool.submit(() -> alongside.accept(stop));
    Thread.sleep(duration.toMillis());
    stop.set(true);
    LatencySamples all = new LatencySamples();
    for (Future<LatencySamples> f : results) {
      all.addAll(f.get());
    }
    if (side != null) {
      side.get();
    }
    pool.shutdown();
    return all;
  }

  /** A table like the operator renders: every route with an alias and two targets. */
  static RoutingTable table(int count, String baseUrl, String firstModel) {
    RoutingTable.Provider provider =
        new RoutingTable.Provider(
            "bench-upstream",
            "openai-compatible",
            baseUrl,
            false,
            null,
            Map.of("x-mock-fast", "true"),
            new RoutingTable.Timeouts(2000L, 15000L, 120000L, null),
            64,
            null,
            null,
            Map.of());
    List<RoutingTable.Route> routes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = routeName(i);
      routes.add(
          new RoutingTable.Route(
              name,
              name,
              List.of(name + "-latest"),
              null,
              1,
              List.of(
                  new RoutingTable.Target("bench-upstream", i == 0 ? firstModel : "model-0", 1, 0),
                  new RoutingTable.Target("bench-upstream", "fallback-model", 1, 1)),
              List.of(),
              null));
    }
    return RoutingTableCodec.versioned(
        new RoutingTable(
            RoutingTable.SCHEMA_VERSION,
            null,
            NS,
            Map.of("bench-upstream", provider),
            Map.of(),
            routes));
  }

  private static long usedAfterGc(Runtime rt) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
