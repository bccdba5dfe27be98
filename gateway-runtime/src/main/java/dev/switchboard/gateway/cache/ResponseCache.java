package dev.switchboard.gateway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The gateway's response caches: per route an exact store and a semantic index, built from the
 * route policy's {@link CacheSettings} (rebuilt empty when a reload changes them; a change of only
 * the semantic settings keeps the exact store, see {@link CacheSettings#sameExact}), the embedders
 * (the builtin one, and one {@link ProviderEmbedder} per provider model a policy names) and the
 * bounded worker pool embeddings and searches run on (never the event loop), the model version each
 * target last served (an entry from an older version no longer answers), and the figures ({@link
 * CacheStats}).
 */
public final class ResponseCache {

  /**
   * Heap all cached answers may hold together, gateway-wide: the exact stores' answers and the
   * semantic indexes' entries (answer, vector, signature, profile). An answer a route keeps in both
   * is counted by both.
   */
  public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;

  /** Embeddings waiting for a worker; beyond this a request skips the semantic cache (a miss). */
  static final int EMBED_QUEUE = 256;

  /**
   * The longest a request waits for its semantic lookup (embedding and search) before it goes
   * upstream as a miss: the bound on what the semantic cache adds to a miss.
   */
  public static final long DEFAULT_SEMANTIC_DEADLINE_MS = 50;

  /**
   * {@link #DEFAULT_SEMANTIC_DEADLINE_MS} for a provider embedder: a network call. An embeddings
   * server in the cluster answers in a few milliseconds, a public API in about 100–300 ms; a chat
   * answer takes seconds. 250 ms bounds what a miss costs at a tenth of a typical answer while
   * letting most public-API embeddings in. A slower embedding is not lost: it still indexes the
   * answer for the next asker.
   */
  public static final long DEFAULT_PROVIDER_SEMANTIC_DEADLINE_MS = 250;

  /**
   * How often every route's caches drop their expired entries (and give their bytes back) without
   * waiting for traffic on that route: Caffeine expires only in the upkeep of a write to the same
   * store, so an idle route's expired answers held the shared budget until its next request.
   */
  public static final long SWEEP_PERIOD_MS = 30_000;

  /** One route's caches. */
  public record RouteCache(CacheSettings settings, ExactStore exact, SemanticIndex semantic) {}

  private final GatewayClock clock;
  private final Embedder embedder;

  /**
   * Provider embedders by notation, then by stated input limit ({@link #KIND_BOUND} for none): one
   * each, so the lookup on a request allocates nothing.
   */
  private final Map<String, Map<Integer, Embedder>> providerEmbedders = new ConcurrentHashMap<>();

  /** The key of a provider embedder whose policy states no input limit. */
  private static final Integer KIND_BOUND = 0;

  private volatile BiFunction<EmbedderRef, Integer, Embedder> providerEmbedderFactory;
  private final ExecutorService embedding;
  private final Map<String, RouteCache> routes = new ConcurrentHashMap<>();
  private final Map<String, String> servedVersions = new ConcurrentHashMap<>();

  /**
   * Stored Responses this replica found deleted when a hit was about to hand one out (ids only,
   * bounded; a day is longer than entries are usually kept, and after it the check asks again): a
   * cached copy of one is passed over without asking the response locations again, so a semantic
   * entry that stays indexed until its TTL costs no round trip per similar request.
   */
  private final Cache<String, Boolean> goneResponses;

  private final AtomicLong bytes = new AtomicLong();
  private final long maxBytes;
  private final CacheStats stats = new CacheStats();
  private volatile SharedAnswers shared;
  private volatile boolean warnedUnshared;
  private volatile long semanticDeadlineMs = DEFAULT_SEMANTIC_DEADLINE_MS;
  private volatile long providerSemanticDeadlineMs = DEFAULT_PROVIDER_SEMANTIC_DEADLINE_MS;
  private volatile long sweepTimer = -1;

  /** Cache settings per route of the table {@link #retainOnly} saw last; null before the first. */
  private volatile Map<String, CacheSettings> inForce;

  /** Closes caches a request on an event loop replaced (one thread: closes are rare). */
  private final ExecutorService closing =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "switchboard-cache-close");
            t.setDaemon(true);
            return t;
          });

  private volatile Consumer<RouteCache> closedHook;

  /**
   * @param embedder the builtin embedder (null: no semantic cache on this gateway)
   * @param embeddingThreads workers that embed (and search) off the event loop
   */
  public ResponseCache(GatewayClock clock, Embedder embedder, int embeddingThreads, long maxBytes) {
    this.clock = clock;
    this.embedder = embedder;
    this.maxBytes = maxBytes;
    this.goneResponses =
        Caffeine.newBuilder()
            .maximumSize(GONE_RESPONSES)
            .expireAfterWrite(Duration.ofDays(1))
            .ticker(clock::nanoTime)
            .executor(Runnable::run) // evictions inline: no ForkJoinPool work per request
            .build();
    AtomicInteger n = new AtomicInteger();
    this.embedding =
        new ThreadPoolExecutor(
            embeddingThreads,
            embeddingThreads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(EMBED_QUEUE),
            r -> {
              Thread t = new Worker(r, "switchboard-cache-embed-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
  }

  /** A gateway's cache with the builtin all-MiniLM-L6-v2 embedder on half the cores. */
  public static ResponseCache withBuiltinEmbedder(GatewayClock clock) {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    return new ResponseCache(clock, new MiniLmEmbedder(), threads, DEFAULT_MAX_BYTES);
  }

  /**
   * Keeps the exact cache of routes with {@code cache.shared: true} in {@code answers} (the
   * gateway's shared store); called at start, before requests. Without it such routes keep their
   * exact cache per replica.
   */
  public void shareExactVia(SharedAnswers answers) {
    this.shared = answers;
  }

  /** Whether routes with {@code cache.shared: true} share their exact cache across replicas. */
  public boolean sharesExact() {
    return shared != null;
  }

  /**
   * The caches of {@code route} under {@code settings}, created on first use; null when the route
   * has no caches under {@code settings} and they are not the route's settings in the table {@link
   * #retainOnly} applied last: the request was planned on the previous table (the gateway runs
   * {@code retainOnly} before a table serves), and the caller skips the cache (no lookup, no store:
   * a miss that stores nothing, always safe). Before, such a request replaced the route's caches
   * with empty ones under its old settings, and the next new request replaced them again, each time
   * dropping every answer (or re-created a cache the reload had switched off, holding bytes until
   * the next reload).
   *
   * <p>Caches under settings that are no longer the table's (left over from a request that created
   * them while the reload was being applied) are replaced by a request with the table's settings.
   * Before the first {@link #retainOnly} only one table can be in use, and other settings replace
   * the caches. Settings that differ in their semantic part only ({@link CacheSettings#sameExact})
   * replace the semantic index alone: the exact store and its entries are kept. A replaced cache is
   * closed after it left the map, never under the map's lock and never on an event loop (closing is
   * O(entries) and a semantic index waits for its searches).
   */
  public RouteCache route(String route, CacheSettings settings) {
    RouteCache current = routes.get(route);
    if (current != null && current.settings().equals(settings)) {
      return current;
    }
    RouteCache[] replaced = new RouteCache[1];
    RouteCache[] result = new RouteCache[1];
    routes.compute(
        route,
        (name, existing) -> {
          if (existing != null && existing.settings().equals(settings)) {
            result[0] = existing;
            return existing;
          }
          // Read under the bin's lock: retainOnly publishes the table's settings before it sweeps
          // the map, so caches created under settings it no longer has are swept or replaced.
          Map<String, CacheSettings> applied = inForce;
          if (applied != null && !settings.equals(applied.get(name))) {
            return existing; // not the table in force: nothing created, nothing replaced
          }
          if (existing != null && existing.settings().sameExact(settings)) {
            // Only the semantic settings changed (another embedder, threshold, …): the exact
            // entries do not depend on them and stay; the semantic index starts empty.
            replaced[0] = new RouteCache(existing.settings(), null, existing.semantic());
            result[0] = withExact(name, settings, existing.exact());
            return result[0];
          }
          replaced[0] = existing;
          result[0] = create(name, settings);
          return result[0];
        });
    if (replaced[0] != null) {
      closeOffLoop(replaced[0]);
    }
    return result[0];
  }

  /**
   * The caches of {@code name} under {@code settings} with {@code exact}, the store of settings
   * {@link CacheSettings#sameExact} these, and a new semantic index.
   */
  private RouteCache withExact(String name, CacheSettings settings, ExactStore exact) {
    return new RouteCache(settings, exact, create(name, settings, false).semantic());
  }

  private RouteCache create(String name, CacheSettings settings) {
    return create(name, settings, true);
  }

  /** New caches of {@code name} under {@code settings}; no exact store unless {@code withExact}. */
  private RouteCache create(String name, CacheSettings settings, boolean withExact) {
    Ticker ticker = clock::nanoTime;
    LocalExactStore local =
        settings.exact() && withExact
            ? new LocalExactStore(
                settings.exactMaxEntries(), settings.exactTtlMs(), ticker, bytes, maxBytes)
            : null;
    SharedAnswers answers = shared;
    if (withExact && settings.shared() && answers == null && !warnedUnshared) {
      warnedUnshared = true;
      LoggerFactory.getLogger(ResponseCache.class)
          .warn(
              "route {} asks for cache.shared but this gateway has no shared state store"
                  + " (--state-store): its exact cache stays per replica",
              name);
    }
    ExactStore exact =
        local != null && settings.shared() && answers != null
            ? new RedisExactStore(local, answers, clock, settings.exactTtlMs())
            : local;
    SemanticIndex semantic =
        settings.semantic() && embedder(settings) != null
            ? new SemanticIndex(
                settings.semanticMaxEntries(), settings.semanticTtlMs(), bytes, maxBytes, name)
            : null;
    return new RouteCache(settings, exact, semantic);
  }

  /**
   * Closes the caches of every route {@code table} no longer caches with the same settings (the
   * route is gone, its policy's cache is switched off, or its settings changed): their answers'
   * bytes return to the gateway-wide budget now. A route whose semantic settings alone changed
   * (another embedder, threshold, …) keeps its exact store under the new settings, with an empty
   * semantic index: exact entries never depend on the embedder, and dropping them cost a provider
   * call per repeated request. Before, only a request on the same route with other settings closed
   * them, so a route whose cache was switched off or removed kept its share of the budget for good.
   * A request that still holds a closed cache stores nothing into it. From now on only {@code
   * table}'s cache settings create or replace a route's caches (see {@link #route}). Called on
   * every applied routing table; a cache is closed after it left the map (a request on the route
   * never waits for it), on this thread unless it is an event loop.
   */
  public void retainOnly(RoutingTable table) {
    Map<String, CacheSettings> live = new HashMap<>();
    for (RoutingTable.Route route : table.routes()) {
      RoutingTable.Policy policy =
          route.policy() == null ? null : table.policies().get(route.policy());
      CacheSettings settings = policy == null ? null : CacheSettings.of(policy.cache());
      if (settings != null) {
        live.put(route.name(), settings);
      }
    }
    inForce = Map.copyOf(live);
    for (Map.Entry<String, RouteCache> entry : List.copyOf(routes.entrySet())) {
      RouteCache existing = entry.getValue();
      CacheSettings now = live.get(entry.getKey());
      if (existing.settings().equals(now)) {
        continue;
      }
      if (existing.settings().sameExact(now)) {
        // Only the semantic settings changed: the exact store is kept under the new settings (its
        // entries do not depend on the embedder), the semantic index is replaced by an empty one.
        RouteCache kept = withExact(entry.getKey(), now, existing.exact());
        if (routes.replace(entry.getKey(), existing, kept)) {
          closeOffLoop(new RouteCache(existing.settings(), null, existing.semantic()));
        } else if (kept.semantic() != null) {
          kept.semantic().close(); // a request replaced them meanwhile (under the new settings)
        }
      } else if (routes.remove(entry.getKey(), existing)) {
        closeOffLoop(existing);
      }
    }
  }

  /**
   * Closes {@code caches} now, or on the closing thread when called on an event loop (a route's
   * request that replaced them).
   */
  private void closeOffLoop(RouteCache caches) {
    if (!Context.isOnEventLoopThread()) {
      close(caches);
      return;
    }
    try {
      closing.execute(() -> close(caches));
    } catch (RejectedExecutionException shutDown) {
      // the gateway is stopping: nothing is cached for long now
    }
  }

  /** Gives back the bytes {@code caches} hold; they store nothing more. */
  private void close(RouteCache caches) {
    if (caches.exact() instanceof LocalExactStore local) {
      local.close();
    }
    if (caches.exact() instanceof RedisExactStore redis) {
      redis.near().close();
    }
    if (caches.semantic() != null) {
      caches.semantic().close();
    }
    Consumer<RouteCache> hook = closedHook;
    if (hook != null) {
      hook.accept(caches);
    }
  }

  /** Tests: called on the closing thread after a route's caches were closed. */
  void onClosed(Consumer<RouteCache> hook) {
    this.closedHook = hook;
  }

  /**
   * Drops every route's expired entries now, giving their bytes back (what {@link #startSweeping}
   * runs every {@link #SWEEP_PERIOD_MS}, off the event loop).
   */
  public void sweep() {
    for (RouteCache caches : routes.values()) {
      if (caches.exact() instanceof LocalExactStore local) {
        local.cleanUp();
      }
      if (caches.exact() instanceof RedisExactStore redis) {
        redis.near().cleanUp();
      }
      if (caches.semantic() != null) {
        caches.semantic().expire(clock.currentTimeMillis());
      }
    }
  }

  /**
   * Runs {@link #sweep} every {@code periodMs} on the gateway clock, on the embedding workers
   * (never the event loop); a round that finds them saturated is skipped. Until {@link #close}.
   */
  public void startSweeping(long periodMs) {
    sweepTimer =
        clock.setPeriodic(
            periodMs,
            id -> {
              try {
                embedding.execute(this::sweep);
              } catch (RejectedExecutionException busy) {
                // embeddings queued to the limit: the next round sweeps
              }
            });
  }

  /**
   * Embeds {@code provider:NAME/MODEL} embedders with what {@code factory} makes from the reference
   * and the policy's stated input limit, or null (the gateway's {@link ProviderEmbedder}s); called
   * at start, before requests. Without it such routes have no semantic cache.
   */
  public void embedProvidersWith(BiFunction<EmbedderRef, Integer, Embedder> factory) {
    this.providerEmbedderFactory = factory;
    providerEmbedders.clear();
  }

  /**
   * The embedder for a policy's {@code embedder} setting, or null when this gateway cannot embed
   * with it (an unknown builtin, or a provider embedder without {@link #embedProvidersWith}).
   */
  public Embedder embedder(CacheSettings settings) {
    String notation = settings.embedder();
    if (CacheSettings.BUILTIN_MINILM.equals(notation)) {
      return embedder;
    }
    BiFunction<EmbedderRef, Integer, Embedder> factory = providerEmbedderFactory;
    if (factory == null) {
      return null;
    }
    Integer stated = settings.embedderMaxInputTokens();
    Integer key = stated == null ? KIND_BOUND : stated;
    Map<Integer, Embedder> byLimit = providerEmbedders.get(notation);
    Embedder found = byLimit == null ? null : byLimit.get(key);
    if (found != null) {
      return found;
    }
    Optional<EmbedderRef> ref = EmbedderRef.parse(notation).filter(EmbedderRef::isProvider);
    return ref.isEmpty()
        ? null
        : providerEmbedders
            .computeIfAbsent(notation, n -> new ConcurrentHashMap<>())
            .computeIfAbsent(key, k -> factory.apply(ref.get(), stated));
  }

  /** See {@link #DEFAULT_SEMANTIC_DEADLINE_MS}. */
  public long semanticDeadlineMs() {
    return semanticDeadlineMs;
  }

  /**
   * The semantic lookup deadline with {@code with}: {@link #DEFAULT_SEMANTIC_DEADLINE_MS} in
   * process, {@link #DEFAULT_PROVIDER_SEMANTIC_DEADLINE_MS} through a provider.
   */
  public long semanticDeadlineMs(Embedder with) {
    return with instanceof ProviderEmbedder ? providerSemanticDeadlineMs : semanticDeadlineMs;
  }

  /** Sets the semantic lookup deadline (tests, and gateways on slow or very busy nodes). */
  public void semanticDeadlineMs(long value) {
    this.semanticDeadlineMs = value;
  }

  /** Sets the semantic lookup deadline of provider embedders. */
  public void providerSemanticDeadlineMs(long value) {
    this.providerSemanticDeadlineMs = value;
  }

  /**
   * Whether the calling thread is one of the cache's embedding workers, where a search may run at
   * once (the builtin embedder's thread after its embedding: no second hand-off).
   */
  public static boolean onWorker() {
    return Thread.currentThread() instanceof Worker;
  }

  /** An embedding worker thread (see {@link #onWorker()}). */
  private static final class Worker extends Thread {
    Worker(Runnable task, String name) {
      super(task, name);
    }
  }

  /** The bounded pool embeddings and searches run on. */
  public ExecutorService embedding() {
    return embedding;
  }

  public GatewayClock clock() {
    return clock;
  }

  /**
   * Notes the model version {@code targetId} answered with: fed by every answered request (the
   * gateway's {@code ModelVersionTracker}), and by the cache's own misses.
   */
  public void served(String targetId, String version) {
    if (version != null && !version.equals(servedVersions.get(targetId))) {
      servedVersions.put(targetId, version);
    }
  }

  /**
   * Whether {@code answer} was produced by the version its target serves now: after the provider
   * moved an alias to a new version, the old version's answers stop being served.
   */
  public boolean current(CachedAnswer answer) {
    String now = servedVersions.get(answer.targetId());
    return answer.servedVersion() == null || now == null || now.equals(answer.servedVersion());
  }

  /** Deleted stored Responses remembered by {@link #responseGone}. */
  static final int GONE_RESPONSES = 10_000;

  /**
   * Notes that the stored Response {@code responseId} is gone (deleted, or expired at its
   * provider): cached copies of it are no longer served ({@link #gone}).
   */
  public void responseGone(String responseId) {
    goneResponses.put(responseId, Boolean.TRUE);
  }

  /** Whether {@code answer} is a stored Response this replica found deleted. */
  public boolean gone(CachedAnswer answer) {
    return answer.responseId() != null && goneResponses.getIfPresent(answer.responseId()) != null;
  }

  /** Bytes all cached answers hold now. */
  public long bytes() {
    return bytes.get();
  }

  public CacheStats stats() {
    return stats;
  }

  /** Stops the embedding workers (gateway shutdown). */
  public void close() {
    if (sweepTimer >= 0) {
      clock.cancelTimer(sweepTimer);
    }
    embedding.shutdownNow();
    closing.shutdown();
  }
}
