package dev.switchboard.bench;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
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

  /** Routes of the scenarios, before any filler routes. */
  public static final int SCENARIO_ROUTES = 6;

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
    List<RoutingTable.Route> routes = new ArrayList<>();
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
        new RoutingTable(RoutingTable.SCHEMA_VERSION, null, "bench", providers, Map.of(), routes));
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

  private static RoutingTable.Route route(String name, String provider, String model) {
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
