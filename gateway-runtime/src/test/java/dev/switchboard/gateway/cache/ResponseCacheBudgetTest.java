package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway-wide cache byte budget comes back from routes that no longer use it: a route whose
 * cache the routing table switched off or removed, and a route whose answers expired while nobody
 * asked it anything. Before, both kept their bytes for good (only a request on the same route with
 * other settings closed a route's cache, and Caffeine expires only in the upkeep of a write to the
 * same store), so other routes could store nothing more.
 */
class ResponseCacheBudgetTest {

  private static final long BUDGET = 100_000;
  private static final long TTL_MS = 600_000;

  private final ManualClock clock = new ManualClock();
  private final ResponseCache cache = new ResponseCache(clock, null, 1, BUDGET);

  @AfterEach
  void close() {
    cache.close();
  }

  /** An answer holding about {@code bytes} of heap, as {@link CachedAnswer#bytes} counts it. */
  private CachedAnswer answer(int bytes) {
    CachedAnswer empty = answer(new byte[0]);
    return answer(new byte[(int) (bytes - empty.bytes())]);
  }

  private CachedAnswer answer(byte[] json) {
    return new CachedAnswer(
        json,
        null,
        null,
        Operation.CHAT_COMPLETIONS,
        null,
        "up/m",
        null,
        null,
        null,
        0,
        clock.currentTimeMillis(),
        "partition",
        null);
  }

  private static RoutingTable.Cache exactCache() {
    return new RoutingTable.Cache(
        true, TTL_MS, 10_000, false, null, null, null, null, null, null, null);
  }

  private static RoutingTable.Policy policy(String name, RoutingTable.Cache cache) {
    return new RoutingTable.Policy(
        name, null, null, null, null, null, null, null, cache, null, null, null, null);
  }

  /** A table with the routes named in {@code policies}, each with its policy's cache. */
  private static RoutingTable table(Map<String, RoutingTable.Cache> caches) {
    Map<String, RoutingTable.Policy> policies = new LinkedHashMap<>();
    List<RoutingTable.Route> routes =
        caches.entrySet().stream()
            .map(
                e -> {
                  policies.put(
                      e.getKey() + "-policy", policy(e.getKey() + "-policy", e.getValue()));
                  return new RoutingTable.Route(
                      e.getKey(),
                      e.getKey(),
                      List.of(),
                      e.getKey() + "-policy",
                      1,
                      List.of(),
                      List.of(),
                      null);
                })
            .toList();
    return new RoutingTable(RoutingTable.SCHEMA_VERSION, "v", "ns", Map.of(), policies, routes);
  }

  private static CacheSettings settings() {
    return CacheSettings.of(exactCache());
  }

  /** route-a stores 9 answers of 10 KB; route-b's 20 KB answer no longer fits the budget. */
  private ResponseCache.RouteCache fillRouteA() {
    ResponseCache.RouteCache a = cache.route("route-a", settings());
    for (int i = 0; i < 9; i++) {
      a.exact().put("a-" + i, answer(10_000));
    }
    assertThat(cache.bytes()).isEqualTo(90_000);
    ResponseCache.RouteCache b = cache.route("route-b", settings());
    b.exact().put("b", answer(20_000));
    assertThat(b.exact().lookup("b").result()).as("over the budget: not stored").isNull();
    return a;
  }

  @Test
  void aRouteWhoseCacheTheTableSwitchedOffGivesItsBytesBack() {
    ResponseCache.RouteCache a = fillRouteA();
    // The routing table keeps route-a but switches its cache off, and keeps route-b's.
    Map<String, RoutingTable.Cache> caches = new LinkedHashMap<>();
    caches.put("route-a", null);
    caches.put("route-b", exactCache());
    cache.retainOnly(table(caches));

    assertThat(cache.bytes()).isZero();
    ResponseCache.RouteCache b = cache.route("route-b", settings());
    b.exact().put("b", answer(20_000));
    assertThat(b.exact().lookup("b").result()).isNotNull();
    assertThat(cache.bytes()).isEqualTo(20_000);

    // A request that began before the reload still holds route-a's old cache: what it stores
    // there is dropped, not counted against the budget for ever.
    a.exact().put("late", answer(10_000));
    assertThat(a.exact().lookup("late").result()).isNull();
    assertThat(cache.bytes()).isEqualTo(20_000);
  }

  @Test
  void aRouteTheTableRemovedGivesItsBytesBackAndAKeptRouteKeepsItsAnswers() {
    fillRouteA();
    ResponseCache.RouteCache b = cache.route("route-b", settings());
    b.exact().put("b-small", answer(5_000));
    cache.retainOnly(table(Map.of("route-b", exactCache())));

    assertThat(cache.bytes()).isEqualTo(5_000);
    assertThat(cache.route("route-b", settings())).isSameAs(b);
    assertThat(b.exact().lookup("b-small").result()).isNotNull();
    b.exact().put("b", answer(20_000));
    assertThat(b.exact().lookup("b").result()).isNotNull();
  }

  @Test
  void anIdleRoutesExpiredAnswersGiveTheirBytesBackWithoutTrafficOnIt() {
    cache.startSweeping(ResponseCache.SWEEP_PERIOD_MS);
    fillRouteA();
    // route-a gets no more requests; its answers expire. The periodic sweep (on the cache's
    // workers, off the event loop) drops them.
    clock.advance(TTL_MS + ResponseCache.SWEEP_PERIOD_MS);
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.bytes() == 0);

    ResponseCache.RouteCache b = cache.route("route-b", settings());
    b.exact().put("b", answer(20_000));
    assertThat(b.exact().lookup("b").result()).isNotNull();
    assertThat(cache.bytes()).isEqualTo(20_000);
  }

  /** A unit vector of 384 dimensions, one per {@code n}: far from every other {@code n}'s. */
  private static float[] vector(int n) {
    java.util.Random random = new java.util.Random(n);
    float[] v = new float[384];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return VectorMath.normalise(v);
  }

  @Test
  void semanticEntriesAreChargedAgainstTheBudgetAndGiveTheirBytesBack() {
    // Before, SemanticIndex.add kept every answer with no byte accounting: a semantic-only route
    // held all 100 answers (about 10 MB) while the 1 MB budget read zero.
    long budget = 1_000_000;
    ResponseCache semanticCache = new ResponseCache(clock, new MiniLmEmbedder(), 1, budget);
    try {
      CacheSettings semanticOnly =
          CacheSettings.of(
              new RoutingTable.Cache(
                  false, null, null, true, null, TTL_MS, null, null, null, null, null));
      ResponseCache.RouteCache route = semanticCache.route("route-s", semanticOnly);
      assertThat(route.exact()).isNull();
      SemanticIndex index = route.semantic();
      long now = clock.currentTimeMillis();
      CachedAnswer one = answer(100_000);
      for (int n = 0; n < 100; n++) {
        index.add("partition", vector(n), answer(100_000), now);
      }
      long each = SemanticIndex.entryBytes(one, 384);
      assertThat(index.size()).isPositive();
      assertThat(index.size() * each).isLessThanOrEqualTo(budget);
      assertThat(semanticCache.bytes()).isEqualTo(index.size() * each);
      // The newest answers are the ones kept (the oldest made room).
      assertThat(index.search("partition", vector(99), 0.99, now)).hasSize(1);
      assertThat(index.search("partition", vector(0), 0.99, now)).isEmpty();

      // Expired and swept: the bytes come back without any traffic on the route.
      clock.advance(TTL_MS);
      semanticCache.sweep();
      assertThat(index.size()).isZero();
      assertThat(semanticCache.bytes()).isZero();

      // Closed (the table dropped the route's cache): the rest comes back, and a late add by a
      // request still holding the index stores nothing.
      index.add("partition", vector(1), answer(100_000), clock.currentTimeMillis());
      assertThat(semanticCache.bytes()).isEqualTo(each);
      semanticCache.retainOnly(table(Map.of()));
      assertThat(semanticCache.bytes()).isZero();
      index.add("partition", vector(2), answer(100_000), clock.currentTimeMillis());
      assertThat(index.size()).isZero();
      assertThat(semanticCache.bytes()).isZero();
    } finally {
      semanticCache.close();
    }
  }
}
