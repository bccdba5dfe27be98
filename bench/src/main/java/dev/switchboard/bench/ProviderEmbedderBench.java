package dev.switchboard.bench;

import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.cache.CacheSettings;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Semantic-cache hits through a real gateway on loopback, the two embedders interleaved request by
 * request: the builtin all-MiniLM-L6-v2 in process, and a provider embedder ({@code
 * embedder.providerRef}) calling the mock provider's {@code /embeddings} (1,536 dimensions, like
 * text-embedding-3-small). Each route is primed with the same questions (semantic cache only, so a
 * repeat is a semantic hit, never an exact one); then every question is asked again, alternately on
 * each route, at concurrency 1. The difference is what the embedder costs a hit: an HTTP round trip
 * to the provider on loopback plus parsing 1,536 floats, against an ONNX run.
 *
 * <p>Run: {@code java -cp bench/target/switchboard-bench.jar
 * dev.switchboard.bench.ProviderEmbedderBench}
 */
public final class ProviderEmbedderBench {

  private static final int QUESTIONS = 300;
  private static final int ROUNDS = 5;

  private ProviderEmbedderBench() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    MockProvider mock =
        MockProvider.startBlocking(
            vertx,
            new MockProviderOptions()
                .embeddingDimensions(1536)
                .models("chat-model", "text-embedding-3-small"));
    Path dir = Files.createTempDirectory("provider-embedder-bench");
    Path routing = dir.resolve("routing.json");
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "bench",
                Map.of("mock", BenchTables.openAiCompatible("mock", mock.baseUrl(), Map.of())),
                Map.of(
                    "builtin",
                    policy("builtin", CacheSettings.BUILTIN_MINILM),
                    "provider",
                    policy(
                        "provider",
                        EmbedderRef.provider("mock", "text-embedding-3-small").notation())),
                List.of(route("builtin"), route("provider"))));
    Files.write(routing, RoutingTableCodec.encode(table));
    GatewayServer gateway =
        GatewayServer.start(
                vertx,
                GatewayOptions.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withAdminPort(0)
                    .withRoutingFile(routing)
                    .withKeysDir(null))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    while (gateway.routingState().current().isEmpty()) {
      Thread.sleep(20);
    }
    // Every lookup waits for its embedding: a hit is measured, never a deadline miss.
    gateway.responseCache().semanticDeadlineMs(10_000);
    gateway.responseCache().providerSemanticDeadlineMs(10_000);
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions");
    for (int q = 0; q < QUESTIONS; q++) {
      for (String route : List.of("builtin", "provider")) {
        ask(http, uri, route, q, "miss");
      }
    }
    Map<String, LatencySamples> hits =
        Map.of("builtin", new LatencySamples(), "provider", new LatencySamples());
    long embedsBefore = mock.attempts("text-embedding-3-small");
    for (int round = 0; round < ROUNDS; round++) {
      for (int q = 0; q < QUESTIONS; q++) {
        for (String route : List.of("builtin", "provider")) {
          long t0 = System.nanoTime();
          ask(http, uri, route, q, "semantic");
          if (round > 0) { // the first round warms the JIT and the connections
            hits.get(route).add(System.nanoTime() - t0);
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "semantic hits through the gateway, c=1, %d per embedder, interleaved; cores: %d%n"
            + "builtin all-MiniLM-L6-v2 (384 dims, in process): p50 %.2f ms  p99 %.2f ms%n"
            + "provider embedder (mock /embeddings, 1536 dims):   p50 %.2f ms  p99 %.2f ms%n"
            + "embeddings calls during the hits: %d%n",
        hits.get("builtin").size(),
        Runtime.getRuntime().availableProcessors(),
        hits.get("builtin").percentileMs(50),
        hits.get("builtin").percentileMs(99),
        hits.get("provider").percentileMs(50),
        hits.get("provider").percentileMs(99),
        mock.attempts("text-embedding-3-small") - embedsBefore);
    gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    mock.close();
    System.exit(0);
  }

  private static void ask(HttpClient http, URI uri, String route, int q, String expected)
      throws Exception {
    String body =
        "{\"model\":\""
            + route
            + "\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"How do I configure feature number "
            + q
            + " of the billing service?\"}]}";
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .header("content-type", "application/json")
                .header("x-mock-fast", "true")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String outcome = response.headers().firstValue("x-switchboard-cache").orElse("none");
    if (response.statusCode() != 200 || !outcome.equals(expected)) {
      throw new IllegalStateException(
          route + " question " + q + ": " + response.statusCode() + " " + outcome);
    }
  }

  private static RoutingTable.Policy policy(String name, String embedder) {
    RoutingTable.Cache cache =
        new RoutingTable.Cache(
            false, null, null, true, 0.95, 3_600_000L, 50_000, embedder, 0.3, null, null);
    return new RoutingTable.Policy(
        name, null, null, null, null, null, null, null, cache, null, null);
  }

  private static RoutingTable.Route route(String name) {
    return new RoutingTable.Route(
        name,
        name,
        new ArrayList<>(),
        name,
        1,
        List.of(new RoutingTable.Target("mock", "chat-model", 100, 0)),
        List.of(),
        null);
  }
}
