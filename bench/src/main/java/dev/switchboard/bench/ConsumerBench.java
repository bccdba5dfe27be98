package dev.switchboard.bench;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.consumer.ConsumerDirectory;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.AdmitCall;
import dev.switchboard.gateway.state.Limit;
import dev.switchboard.gateway.state.LocalStateStore;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.state.SettleCall;
import dev.switchboard.gateway.state.StateStore;
import dev.switchboard.gateway.time.VertxClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * What consumer keys and the shared store cost: (1) authentication (hash the presented key, find it
 * among 1,000 consumers), per call; (2) one admission plus its settlement against a real
 * redis-server on loopback — for a consumer with generous limits (admitted from the replica's
 * allowance, a script run now and then) and for one whose limits hold nothing (a script run each) —
 * next to the in-memory store, in interleaved rounds; (3) gateway throughput and latency for one
 * consumer with and without the store, interleaved. Run with {@code java -cp
 * bench/target/switchboard-bench.jar dev.switchboard.bench.ConsumerBench [seconds]}.
 */
public final class ConsumerBench {

  private ConsumerBench() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("logback.configurationFile") == null) {
      // The suite's quiet logging: a DEBUG line per request to stdout would cost the measured CPU.
      System.setProperty("logback.configurationFile", "bench-logback.xml");
    }
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    authentication();
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    redis.start();
    Vertx vertx = Vertx.vertx();
    try {
      storeRoundTrips(vertx, "redis://127.0.0.1:" + port);
      gatewayThroughput(vertx, "redis://127.0.0.1:" + port, seconds);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      redis.stop();
    }
  }

  private static void authentication() {
    List<ConsumerTable.Consumer> consumers = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      consumers.add(
          new ConsumerTable.Consumer(
              "c" + i, List.of(KeyDigest.of("sk-consumer-" + i)), null, null, null, null, null));
    }
    ConsumerDirectory directory =
        ConsumerDirectory.of(new ConsumerTable(ConsumerTable.SCHEMA_VERSION, consumers), false);
    Map<String, String> headers =
        Map.of("authorization", "Bearer sk-consumer-517-padding-to-51-chars-x");
    String realKey = "Bearer sk-consumer-517";
    LatencySamples samples = new LatencySamples();
    int found = 0;
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 200_000; i++) {
        String auth = (i & 1) == 0 ? realKey : headers.get("authorization");
        long start = System.nanoTime();
        Caller caller = new Caller(name -> "authorization".equals(name) ? auth : null);
        if (directory.lookup(caller.keyDigest()) != null) {
          found++;
        }
        long took = System.nanoTime() - start;
        if (round > 0) { // the first round warms up the JIT
          samples.add(took);
        }
      }
    }
    System.out.printf(
        "authentication (SHA-256 + lookup among 1,000 consumers; %d found): p50 %.1f µs, p99 %.1f"
            + " µs, max %.1f µs over %d calls%n",
        found,
        samples.percentileMs(50) * 1000,
        samples.percentileMs(99) * 1000,
        samples.maxMs() * 1000,
        samples.size());
  }

  private static void storeRoundTrips(Vertx vertx, String uri) throws Exception {
    VertxClock clock = new VertxClock(vertx);
    RedisStateStore redis = new RedisStateStore(vertx, clock, uri, null, null, "bench:");
    redis.warmUp().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    StateStore local = new LocalStateStore();
    List<Limit> generous = List.of(new Limit(100_000_000, 1_000_000_000L));
    // 60 requests per minute: nothing is held (1 % of it is below one request), so every admission
    // is one script run in Redis, admitted or refused — the shared check itself.
    List<Limit> tight = List.of(new Limit(60, 0));
    int failures = 0;
    for (int round = 0; round < 4; round++) {
      for (int mode = 0; mode < 3; mode++) {
        StateStore store = mode == 2 ? local : redis;
        List<Limit> limits = mode == 1 ? tight : generous;
        String name =
            switch (mode) {
              case 0 -> "redis (loopback), from the allowance when it holds one";
              case 1 -> "redis (loopback), every admission a script run (60 rpm consumer)";
              default -> "in memory";
            };
        LatencySamples samples = new LatencySamples();
        for (int i = 0; i < 20_000; i++) {
          String id = "r" + round + "-" + mode + "-" + i;
          AdmitCall call =
              new AdmitCall(
                  mode == 1 ? "bench-tight" : "bench",
                  id,
                  limits,
                  clock.currentTimeMillis(),
                  1_000,
                  "2026-01-01",
                  "2026-01",
                  Long.MAX_VALUE / 4,
                  -1);
          long start = System.nanoTime();
          try {
            store.admit(call).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException e) {
            failures++; // counted, and the sample keeps the time it took to fail
          }
          samples.add(System.nanoTime() - start);
          store
              .settle(SettleCall.of(call, clock.currentTimeMillis(), 500, 20))
              .toCompletionStage()
              .toCompletableFuture()
              .exceptionally(e -> null)
              .get(5, TimeUnit.SECONDS);
        }
        if (round > 0) {
          System.out.printf(
              "round %d admission check, %s: p50 %.3f ms, p99 %.3f ms (failures so far %d)%n",
              round, name, samples.percentileMs(50), samples.percentileMs(99), failures);
        }
      }
    }
    redis.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static void gatewayThroughput(Vertx vertx, String uri, int seconds) throws Exception {
    MockProvider mock =
        MockProvider.startBlocking(vertx, new MockProviderOptions().models("gpt-4o-mini"));
    Path dir = Files.createTempDirectory("consumer-bench");
    Path routing = dir.resolve("routing.json");
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat"), 128_000L, new RoutingTable.Pricing(0.15, 0.6, null, "USD"), null);
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "bench",
                Map.of(
                    "mock",
                    BenchTables.openAiCompatible(
                        "mock", mock.baseUrl(), Map.of("gpt-4o-mini", model))),
                Map.of(),
                List.of(BenchTables.route("chat", "mock", "gpt-4o-mini"))));
    Files.write(routing, RoutingTableCodec.encode(table));
    Path consumers = dir.resolve("consumers.json");
    Files.write(
        consumers,
        new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION,
                List.of(
                    new ConsumerTable.Consumer(
                        "bench",
                        List.of(KeyDigest.of("sk-bench")),
                        List.of("chat"),
                        List.of(new ConsumerTable.RateLimit(100_000_000, 1_000_000_000L)),
                        new ConsumerTable.Budget(1_000_000.0, null),
                        "deny",
                        Map.of("team", "bench"))))
            .toJson());
    GatewayServer withoutStore = Service.inProcessGateway(vertx, routing, consumers, null);
    GatewayServer withStore = Service.inProcessGateway(vertx, routing, consumers, uri);
    LoadGenerator load = new LoadGenerator(vertx);
    Map<String, String> headers = Map.of("x-mock-fast", "true", "authorization", "Bearer sk-bench");
    for (int round = 0; round < 4; round++) {
      for (GatewayServer g : List.of(withoutStore, withStore)) {
        String name = g == withStore ? "with redis" : "no store";
        LoadResult r =
            load.run(
                HttpTarget.chat(name, g.port(), "chat", false, headers),
                32,
                Duration.ofSeconds(round == 0 ? 2 : seconds));
        if (round > 0) {
          System.out.printf(
              "round %d gateway, %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %d%s%n",
              round,
              name,
              r.rps(),
              r.latencies().percentileMs(50),
              r.latencies().percentileMs(99),
              r.errors(),
              r.firstError() == null ? "" : " (" + r.firstError() + ")");
        }
      }
    }
    withoutStore.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    withStore.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    mock.close();
  }
}
