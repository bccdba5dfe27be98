package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reload that changes a route's cache settings while requests planned on the previous table are
 * still running: those requests must not replace the route's new caches (before, each one rebuilt
 * them empty under its old settings, and the next new request rebuilt them again), and a replaced
 * cache is closed off the event loop.
 */
class ResponseCacheReloadTest {

  private final ManualClock clock = new ManualClock();
  private final ResponseCache cache = new ResponseCache(clock, null, 1, 1_000_000);
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    cache.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static RoutingTable.Cache exactCache(long ttlMs) {
    return new RoutingTable.Cache(
        true, ttlMs, 10_000, false, null, null, null, null, null, null, null);
  }

  /** A table whose route {@code r} caches with {@code cache}. */
  private static RoutingTable table(RoutingTable.Cache cache) {
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "p", null, null, null, null, null, null, null, cache, null, null, null, null);
    RoutingTable.Route route =
        new RoutingTable.Route("r", "r", List.of(), "p", 1, List.of(), List.of(), null);
    return new RoutingTable(
        RoutingTable.SCHEMA_VERSION, "v", "ns", Map.of(), Map.of("p", policy), List.of(route));
  }

  private CachedAnswer answer() {
    return new CachedAnswer(
        "{\"id\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
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

  @Test
  void aRequestOnThePreviousTableDoesNotEmptyTheRoutesNewCache() {
    RoutingTable.Cache before = exactCache(600_000);
    RoutingTable.Cache after = exactCache(60_000);
    CacheSettings s1 = CacheSettings.of(before);
    CacheSettings s2 = CacheSettings.of(after);
    cache.retainOnly(table(before));
    ResponseCache.RouteCache c1 = cache.route("r", s1);
    assertThat(c1).isNotNull();

    cache.retainOnly(table(after)); // the reload that changes r's cache settings
    ResponseCache.RouteCache c2 = cache.route("r", s2);
    c2.exact().put("k", answer());
    long held = cache.bytes();
    assertThat(held).isPositive();

    // A request planned on the previous table reaches the cache stage now.
    ResponseCache.RouteCache old = cache.route("r", s1);

    ResponseCache.RouteCache now = cache.route("r", s2);
    assertThat(now.exact().lookup("k").result()).isNotNull();
    assertThat(now).isSameAs(c2);
    assertThat(cache.bytes()).isEqualTo(held);
    assertThat(old).as("the old-table request skips the cache").isNull();
  }

  @Test
  void aRequestOnThePreviousTableDoesNotRecreateACacheTheReloadSwitchedOff() {
    RoutingTable.Cache before = exactCache(600_000);
    CacheSettings s1 = CacheSettings.of(before);
    cache.retainOnly(table(before));
    cache.route("r", s1).exact().put("k", answer());
    cache.retainOnly(table(null)); // r's cache switched off: its bytes come back
    assertThat(cache.bytes()).isZero();

    ResponseCache.RouteCache old = cache.route("r", s1); // an old-table request
    if (old != null) {
      old.exact().put("k", answer());
    }
    assertThat(cache.bytes()).as("nothing cached for a route without a cache").isZero();
    assertThat(old).isNull();
  }

  @Test
  void aCacheReplacedByARequestIsClosedOffTheEventLoop() throws Exception {
    CacheSettings s1 = CacheSettings.of(exactCache(600_000));
    CacheSettings s2 = CacheSettings.of(exactCache(60_000));
    ResponseCache.RouteCache c1 = cache.route("r", s1);
    c1.exact().put("k", answer());
    CompletableFuture<Boolean> closedOnEventLoop = new CompletableFuture<>();
    cache.onClosed(closed -> closedOnEventLoop.complete(Context.isOnEventLoopThread()));

    // Before the first reload only one table is in use: other settings replace the caches, here
    // from a request on an event loop.
    CompletableFuture<ResponseCache.RouteCache> replaced = new CompletableFuture<>();
    vertx.runOnContext(v -> replaced.complete(cache.route("r", s2)));
    assertThat(replaced.get(10, TimeUnit.SECONDS).settings()).isEqualTo(s2);

    assertThat(closedOnEventLoop.get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(c1.exact().lookup("k").result()).isNull(); // closed: its bytes came back
    assertThat(cache.bytes()).isZero();
  }

  /** An embedder that embeds nothing (the test adds vectors to the index itself). */
  private static Embedder named(String id) {
    return new Embedder() {
      @Override
      public String id() {
        return id;
      }

      @Override
      public java.util.concurrent.CompletionStage<Embedding> embed(
          String text, String requestId, java.util.concurrent.Executor workers) {
        return CompletableFuture.completedFuture(new Embedding(null, null));
      }
    };
  }

  /** Exact (10 min) and semantic caching with {@code embedder} at {@code threshold}. */
  private static RoutingTable.Cache bothCaches(String embedder, double threshold) {
    return new RoutingTable.Cache(
        true, 600_000L, 10_000, true, threshold, 600_000L, 1_000, embedder, null, null, null);
  }

  @Test
  void anEmbedderChangeKeepsTheExactEntriesButNotTheSemanticOnes() {
    ResponseCache withEmbedders =
        new ResponseCache(clock, named(CacheSettings.BUILTIN_MINILM), 1, 1_000_000);
    withEmbedders.embedProvidersWith((ref, limit) -> named("provider:tei/bge-m3"));
    try {
      RoutingTable.Cache builtin = bothCaches(null, 0.95);
      RoutingTable.Cache provider = bothCaches("provider:tei/bge-m3", 0.95);
      RoutingTable.Cache lower = bothCaches("provider:tei/bge-m3", 0.9);
      withEmbedders.retainOnly(table(builtin));
      ResponseCache.RouteCache c1 = withEmbedders.route("r", CacheSettings.of(builtin));
      c1.exact().put("k", answer());
      c1.semantic().add("partition", new float[] {1, 0, 0}, answer(), clock.currentTimeMillis());

      // The reload that changes only the embedder.
      withEmbedders.retainOnly(table(provider));
      ResponseCache.RouteCache c2 = withEmbedders.route("r", CacheSettings.of(provider));
      assertThat(c2.settings()).isEqualTo(CacheSettings.of(provider));
      assertThat(c2.exact()).as("the exact store is kept").isSameAs(c1.exact());
      assertThat(c2.exact().lookup("k").result()).as("an exact hit survives").isNotNull();
      assertThat(c2.semantic()).isNotSameAs(c1.semantic());
      assertThat(c2.semantic().size()).as("the semantic entries do not").isZero();
      assertThat(c1.semantic().size()).as("the old index is closed").isZero();
      assertThat(c1.semantic().search("partition", new float[] {1, 0, 0}, 0.9, 0)).isEmpty();

      // Another threshold, through a request before a reload says so (one table in use): the
      // same.
      ResponseCache alone = new ResponseCache(clock, named(CacheSettings.BUILTIN_MINILM), 1, 0);
      alone.embedProvidersWith((ref, limit) -> named("provider:tei/bge-m3"));
      try {
        ResponseCache.RouteCache a1 = alone.route("r", CacheSettings.of(provider));
        ResponseCache.RouteCache a2 = alone.route("r", CacheSettings.of(lower));
        assertThat(a2.exact()).isSameAs(a1.exact());
        assertThat(a2.semantic()).isNotSameAs(a1.semantic());
      } finally {
        alone.close();
      }

      // A change of the exact settings still rebuilds both.
      RoutingTable.Cache shorter =
          new RoutingTable.Cache(
              true,
              60_000L,
              10_000,
              true,
              0.95,
              600_000L,
              1_000,
              "provider:tei/bge-m3",
              null,
              null,
              null);
      withEmbedders.retainOnly(table(shorter));
      ResponseCache.RouteCache c3 = withEmbedders.route("r", CacheSettings.of(shorter));
      assertThat(c3.exact()).isNotSameAs(c2.exact());
      assertThat(c3.exact().lookup("k").result()).isNull();
    } finally {
      withEmbedders.close();
    }
  }
}
