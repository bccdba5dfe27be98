package dev.switchboard.bench;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.request.KeyDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The routing tables the benchmark serves. Each scenario has its own provider whose static headers
 * set the mock upstream's knobs (the gateway never forwards client headers), so the gateway asks
 * the upstream for exactly what a direct call asks for.
 */
public final class BenchTables {

  /** Route (and client model name) of the instant non-streaming answer. */
  public static final String FAST_ROUTE = "bench-fast";

  /** Route of the 64-chunk stream. */
  public static final String STREAM_ROUTE = "bench-stream";

  /**
   * Route of short instant streams (a few chunks, no pause) that warm the stream set-up path up: a
   * 64-chunk stream takes over a second, too few of them run before measuring to get that code
   * compiled.
   */
  public static final String WARM_STREAM_ROUTE = "bench-stream-warm";

  /** Chunks of a warm-up stream. */
  public static final int WARM_STREAM_CHUNKS = 4;

  /** Route of the slow (1 s) upstream. */
  public static final String SLOW_ROUTE = "bench-slow";

  /** Route of instant answers from an Anthropic-native target (the anthropic scenario). */
  public static final String ANTHROPIC_ROUTE = "bench-anthropic";

  /** Route of short instant streams from an Anthropic-native target. */
  public static final String ANTHROPIC_STREAM_ROUTE = "bench-anthropic-stream";

  /**
   * Route of the realistic configuration (issue #21): the client presents a consumer key, the
   * policy has a client rate limit, an exact cache every request misses (the bodies differ) and
   * {@code cost-latency} routing over two priced targets.
   */
  public static final String REALISTIC_ROUTE = "bench-real";

  /** The consumer key of the realistic configuration (a bench-only secret). */
  public static final String REALISTIC_KEY = "sk-bench-realistic-0123456789abcdef";

  /** Routes of the scenarios, before any filler routes. */
  public static final int SCENARIO_ROUTES = 7;

  /** The model id every target asks the upstream for. */
  public static final String UPSTREAM_MODEL = "bench-model";

  /**
   * Pool size and bulkhead of the bench providers: above the largest number of requests the suite
   * keeps in flight, so the figures measure the gateway rather than its default pool of 64.
   */
  public static final int MAX_CONCURRENCY = 4096;

  private BenchTables() {}

  /** Headers asking the mock upstream for its pre-rendered instant answer. */
  public static Map<String, String> fastHeaders() {
    return Map.of("x-mock-fast", "true");
  }

  /** Headers asking for a stream of {@code chunks} content deltas {@code intervalMs} apart. */
  public static Map<String, String> streamHeaders(int chunks, long intervalMs) {
    return Map.of(
        "x-mock-fast", "true",
        "x-mock-stream-chunks", Integer.toString(chunks),
        "x-mock-chunk-interval-ms", Long.toString(intervalMs));
  }

  /** Headers asking for the instant answer after {@code delayMs}. */
  public static Map<String, String> slowHeaders(long delayMs) {
    return Map.of("x-mock-fast", "true", "x-mock-fault", "delay:" + delayMs);
  }

  /**
   * The bench table: the four scenario routes plus {@code fillerRoutes} further routes (for the
   * memory-per-route figure), all pointing at the upstream on {@code upstreamPort}.
   */
  public static RoutingTable table(
      int upstreamPort, int chunks, long intervalMs, long slowDelayMs, int fillerRoutes) {
    String baseUrl = "http://127.0.0.1:" + upstreamPort + "/v1";
    Map<String, RoutingTable.Provider> providers = new TreeMap<>();
    providers.put(FAST_ROUTE, provider(FAST_ROUTE, baseUrl, fastHeaders()));
    providers.put(STREAM_ROUTE, provider(STREAM_ROUTE, baseUrl, streamHeaders(chunks, intervalMs)));
    providers.put(
        WARM_STREAM_ROUTE,
        provider(WARM_STREAM_ROUTE, baseUrl, streamHeaders(WARM_STREAM_CHUNKS, 0)));
    providers.put(SLOW_ROUTE, provider(SLOW_ROUTE, baseUrl, slowHeaders(slowDelayMs)));
    // The mock speaks Anthropic Messages on the same port: the same answers, another wire format.
    providers.put(ANTHROPIC_ROUTE, provider(ANTHROPIC_ROUTE, "anthropic", baseUrl, fastHeaders()));
    providers.put(
        ANTHROPIC_STREAM_ROUTE,
        provider(
            ANTHROPIC_STREAM_ROUTE, "anthropic", baseUrl, streamHeaders(WARM_STREAM_CHUNKS, 0)));
    // The realistic route's two targets: the same instant answer, listed at different prices.
    providers.put(REALISTIC_ROUTE + "-a", priced(REALISTIC_ROUTE + "-a", baseUrl, 0.15, 0.60));
    providers.put(REALISTIC_ROUTE + "-b", priced(REALISTIC_ROUTE + "-b", baseUrl, 0.25, 1.00));
    List<RoutingTable.Route> routes = new ArrayList<>();
    routes.add(
        new RoutingTable.Route(
            REALISTIC_ROUTE,
            REALISTIC_ROUTE,
            List.of(),
            REALISTIC_ROUTE,
            1,
            List.of(
                new RoutingTable.Target(REALISTIC_ROUTE + "-a", UPSTREAM_MODEL, 1, 0),
                new RoutingTable.Target(REALISTIC_ROUTE + "-b", UPSTREAM_MODEL, 1, 0)),
            List.of(),
            null));
    routes.add(route(FAST_ROUTE, FAST_ROUTE, UPSTREAM_MODEL));
    routes.add(route(STREAM_ROUTE, STREAM_ROUTE, UPSTREAM_MODEL));
    routes.add(route(WARM_STREAM_ROUTE, WARM_STREAM_ROUTE, UPSTREAM_MODEL));
    routes.add(route(SLOW_ROUTE, SLOW_ROUTE, UPSTREAM_MODEL));
    routes.add(route(ANTHROPIC_ROUTE, ANTHROPIC_ROUTE, UPSTREAM_MODEL));
    routes.add(route(ANTHROPIC_STREAM_ROUTE, ANTHROPIC_STREAM_ROUTE, UPSTREAM_MODEL));
    for (int i = 0; i < fillerRoutes; i++) {
      // Realistic routes: two targets (primary and fallback) and an alias each.
      String name = String.format("filler-%05d", i);
      routes.add(
          new RoutingTable.Route(
              name,
              name,
              List.of(name + "-alias"),
              null,
              1,
              List.of(
                  new RoutingTable.Target(FAST_ROUTE, "model-" + i, 1, 0),
                  new RoutingTable.Target(SLOW_ROUTE, "model-" + i + "-fallback", 1, 1)),
              List.of(),
              null));
    }
    return RoutingTableCodec.versioned(
        new RoutingTable(
            RoutingTable.SCHEMA_VERSION,
            null,
            "bench",
            providers,
            Map.of(REALISTIC_ROUTE, realisticPolicy()),
            routes));
  }

  /**
   * The realistic route's policy: {@code cost-latency}, a per-key client rate limit far above what
   * the bench sends (checked, never hit) and an exact cache of 10,000 entries (every request misses
   * and stores, the bodies being unique).
   */
  static RoutingTable.Policy realisticPolicy() {
    return new RoutingTable.Policy(
        REALISTIC_ROUTE,
        "cost-latency",
        null,
        List.of(),
        null,
        null,
        null,
        List.of(new RoutingTable.RateLimit("api-key", 1_000_000_000, 100_000_000_000L)),
        new RoutingTable.Cache(
            true, 60_000L, 10_000, false, null, null, null, null, null, null, false),
        null,
        null,
        null,
        null);
  }

  /**
   * The consumer table of the realistic configuration: one consumer with {@link #REALISTIC_KEY}, a
   * rate limit and a budget far above what the bench spends (checked and reserved, never hit).
   */
  public static ConsumerTable consumers() {
    return new ConsumerTable(
        ConsumerTable.SCHEMA_VERSION,
        List.of(
            new ConsumerTable.Consumer(
                "bench",
                List.of(KeyDigest.of(REALISTIC_KEY)),
                List.of("*"),
                List.of(new ConsumerTable.RateLimit(1_000_000_000, 100_000_000_000L)),
                new ConsumerTable.Budget(1_000_000_000.0, null),
                "allow",
                Map.of("team", "bench"))));
  }

  /**
   * A request to the realistic route on the gateway at {@code port}: with the consumer key, a
   * numbered question, so the exact cache misses every time, and temperature 0, so the cache is
   * consulted at all (above the policy's {@code maxTemperature} it is bypassed).
   */
  static HttpTarget realisticTarget(String name, int port) {
    return HttpTarget.chat(name, port, REALISTIC_ROUTE, false, Map.of())
        .withHeader("authorization", "Bearer " + REALISTIC_KEY)
        .withTemperature(0)
        .withUniqueBodies();
  }

  /**
   * Checks that {@code target} is answered 200 with an exact-cache miss ({@code
   * x-switchboard-cache: miss}), i.e. that the cache was looked up and stored to, as the realistic
   * configuration claims; throws otherwise, before any figure is taken.
   */
  static void requireCacheMiss(LoadGenerator load, HttpTarget target) {
    io.vertx.core.http.HttpClientResponse answer = load.probe(target);
    String cache = answer.getHeader("x-switchboard-cache");
    if (answer.statusCode() != 200 || !"miss".equals(cache)) {
      throw new IllegalStateException(
          target.name()
              + ": expected 200 with x-switchboard-cache: miss, got "
              + answer.statusCode()
              + " with "
              + cache);
    }
  }

  /** Writes the realistic configuration's consumer table and returns its path. */
  public static Path writeConsumers(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, consumers().toJson());
    return file;
  }

  /** Writes {@code table} as a routing file and returns its path. */
  public static Path write(RoutingTable table, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, RoutingTableCodec.encode(table));
    return file;
  }

  private static RoutingTable.Provider provider(
      String name, String baseUrl, Map<String, String> headers) {
    return provider(name, "openai-compatible", baseUrl, headers);
  }

  private static RoutingTable.Provider provider(
      String name, String kind, String baseUrl, Map<String, String> headers) {
    return new RoutingTable.Provider(
        name,
        kind,
        baseUrl,
        false,
        null,
        new TreeMap<>(headers),
        new RoutingTable.Timeouts(2_000L, 30_000L, 120_000L, 60_000L),
        MAX_CONCURRENCY,
        null,
        null,
        new LinkedHashMap<>());
  }

  private static RoutingTable.Provider priced(
      String name, String baseUrl, double input, double output) {
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat"), 128_000L, new RoutingTable.Pricing(input, output, null, "USD"), null);
    return new RoutingTable.Provider(
        name,
        "openai-compatible",
        baseUrl,
        false,
        null,
        new TreeMap<>(fastHeaders()),
        new RoutingTable.Timeouts(2_000L, 30_000L, 120_000L, 60_000L),
        MAX_CONCURRENCY,
        null,
        null,
        null,
        Map.of(UPSTREAM_MODEL, model));
  }

  /**
   * A plain {@code openai-compatible} provider: no key, no headers, the gateway's default timeouts
   * and concurrency, the given model entries (prices).
   */
  static RoutingTable.Provider openAiCompatible(
      String name, String baseUrl, Map<String, RoutingTable.Model> models) {
    return new RoutingTable.Provider(
        name, "openai-compatible", baseUrl, false, null, Map.of(), null, null, null, null, models);
  }

  /** A route of one target. */
  static RoutingTable.Route route(String name, String provider, String model) {
    return new RoutingTable.Route(
        name,
        name,
        List.of(),
        null,
        1,
        List.of(new RoutingTable.Target(provider, model, 1, 0)),
        List.of(),
        null);
  }
}
