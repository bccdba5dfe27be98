package dev.switchboard.gateway.upstream;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PerRecordCache;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Keep-alive connection pools per provider endpoint. HTTPS endpoints negotiate HTTP/2 through ALPN
 * and fall back to HTTP/1.1; plain-HTTP endpoints (vLLM, Ollama, mocks) use HTTP/1.1 pools. A pool
 * is keyed by everything that shapes it (origin, connect timeout, pool size), so a reload that
 * changes any of them gets a fresh pool while the old one drains gracefully.
 *
 * <p>Each event loop gets its own pool of a provider. A Vert.x client pool hands any idle
 * connection to any caller, and a connection opened by another event loop delivers every event of
 * the exchange (response head, each stream chunk) through a task queued on the caller's loop: a
 * thread hop per event, and under load a wait behind whatever that loop is busy with. With a pool
 * per loop a request only ever uses connections of the loop it runs on. Connection counts are per
 * pool; the provider's {@code maxConcurrency} still bounds requests in flight across all loops,
 * because the provider's bulkhead enforces it before a pool is asked. A pool holds twice that many
 * connections: the other half is for streams that ended but whose upstream has not closed yet.
 */
public final class UpstreamClients {

  /** Pool size where a provider sets no {@code maxConcurrency}. */
  public static final int DEFAULT_POOL_SIZE = 64;

  /** How long a pool created for a request racing a reload serves before it drains. */
  private static final long RACING_POOL_LIFETIME_MS = 30_000;

  private final Vertx vertx;
  private final Map<PoolKey, LoopPools> pools = new ConcurrentHashMap<>();

  /**
   * The pools of each provider record seen since the last reload: deriving the pool key parses the
   * base URL, which is per-request waste when the provider record is the same object every time.
   * {@link #retainOnly} empties it so old records and pools are not kept alive.
   */
  private final PerRecordCache<RoutingTable.Provider, LoopPools> byProvider =
      new PerRecordCache<>(1024);

  public UpstreamClients(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * The pool for a provider as the current table describes it, belonging to the calling event loop
   * (callers that are not on an event loop share one pool).
   */
  public HttpClientAgent clientFor(RoutingTable.Provider provider) {
    LoopPools cached = byProvider.get(provider);
    if (cached != null) {
      return cached.forCurrentLoop();
    }
    PoolKey key = PoolKey.of(provider);
    LoopPools loopPools = pools.computeIfAbsent(key, LoopPools::new);
    remember(provider, key, loopPools);
    return loopPools.forCurrentLoop();
  }

  private synchronized void remember(
      RoutingTable.Provider provider, PoolKey key, LoopPools loopPools) {
    // A reload may have retired the pools between computeIfAbsent and here; caching them then
    // would hand draining pools to later requests.
    if (pools.get(key) != loopPools) {
      return;
    }
    byProvider.put(provider, loopPools);
  }

  private HttpClientAgent create(PoolKey key) {
    HttpClientOptions options =
        new HttpClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, key.connectTimeoutMs()))
            .setKeepAlive(true)
            .setTcpQuickAck(true) // as the server side; see GatewayServer
            .setDecompressionSupported(true)
            .setName("switchboard-upstream-" + key.provider());
    if (key.tls()) {
      options
          .setSsl(true)
          .setUseAlpn(true)
          .setProtocolVersion(HttpVersion.HTTP_2)
          .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    }
    PoolOptions pool =
        new PoolOptions()
            .setHttp1MaxSize(key.poolSize())
            .setHttp2MaxSize(Math.max(1, key.poolSize() / 16));
    return vertx.createHttpClient(options, pool);
  }

  /**
   * Retires pools no provider of the new table uses. A request that picked a pool just before the
   * swap may still be about to send on it, so retirement starts only after {@code delayMs}; then
   * in-flight requests get up to {@code graceMs} to finish.
   */
  public synchronized void retainOnly(RoutingTable table, long delayMs, long graceMs) {
    Set<PoolKey> live =
        table.providers().values().stream().map(PoolKey::of).collect(Collectors.toSet());
    for (PoolKey key : List.copyOf(pools.keySet())) {
      if (!live.contains(key)) {
        LoopPools stale = pools.remove(key);
        if (stale != null) {
          if (delayMs > 0) {
            vertx.setTimer(delayMs, id -> stale.shutdown(graceMs));
          } else {
            stale.shutdown(graceMs);
          }
        }
      }
    }
    // Records of the previous table must not keep their pools reachable (or in use) here.
    byProvider.clear();
  }

  /** Number of provider pool shapes currently open (for tests and the admin summary). */
  public int poolCount() {
    return pools.size();
  }

  /** Closes every pool. */
  public synchronized void close() {
    byProvider.clear();
    pools.values().forEach(LoopPools::close);
    pools.clear();
  }

  /**
   * The pools of one provider shape, one per event loop that has called it. Looked up on every
   * request: a copy-on-write array scanned by thread identity (there are as many entries as event
   * loops, a handful), created lazily under a lock.
   */
  private final class LoopPools {
    private final PoolKey key;
    private volatile Entry[] entries = new Entry[0];
    private HttpClientAgent offLoop;
    private boolean retired;

    LoopPools(PoolKey key) {
      this.key = key;
    }

    HttpClientAgent forCurrentLoop() {
      if (!Context.isOnEventLoopThread()) {
        return shared();
      }
      Thread current = Thread.currentThread();
      for (Entry e : entries) {
        if (e.loop() == current) {
          return e.client();
        }
      }
      return add(current);
    }

    private synchronized HttpClientAgent add(Thread loop) {
      for (Entry e : entries) {
        if (e.loop() == loop) {
          return e.client();
        }
      }
      HttpClientAgent client = create(key);
      if (retired) {
        retireLater(client);
        return client;
      }
      Entry[] next = Arrays.copyOf(entries, entries.length + 1);
      next[next.length - 1] = new Entry(loop, client);
      entries = next;
      return client;
    }

    private synchronized HttpClientAgent shared() {
      if (offLoop == null) {
        offLoop = create(key);
        if (retired) {
          retireLater(offLoop);
        }
      }
      return offLoop;
    }

    /** A pool created for a request that raced a reload: it serves that request, then drains. */
    private void retireLater(HttpClientAgent client) {
      vertx.setTimer(
          RACING_POOL_LIFETIME_MS,
          id -> client.shutdown(RACING_POOL_LIFETIME_MS, TimeUnit.MILLISECONDS));
    }

    private synchronized List<HttpClientAgent> retire() {
      retired = true;
      List<HttpClientAgent> all = new ArrayList<>(entries.length + 1);
      for (Entry e : entries) {
        all.add(e.client());
      }
      if (offLoop != null) {
        all.add(offLoop);
      }
      return all;
    }

    void shutdown(long graceMs) {
      retire().forEach(c -> c.shutdown(graceMs, TimeUnit.MILLISECONDS));
    }

    void close() {
      retire().forEach(HttpClientAgent::close);
    }
  }

  private record Entry(Thread loop, HttpClientAgent client) {}

  private record PoolKey(
      String provider, String origin, boolean tls, long connectTimeoutMs, int poolSize) {
    static PoolKey of(RoutingTable.Provider provider) {
      URI uri = URI.create(UpstreamRequests.baseUrl(provider));
      boolean tls = "https".equalsIgnoreCase(uri.getScheme());
      int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
      // A stream gives its concurrency slot back at its final event while its upstream may still
      // take a while to close: room for as many connections again keeps those from holding the
      // next requests back (they would wait for a connection until their connect timeout).
      int size =
          provider.maxConcurrency() == null || provider.maxConcurrency() <= 0
              ? DEFAULT_POOL_SIZE
              : (int) Math.min(Integer.MAX_VALUE, 2L * provider.maxConcurrency());
      return new PoolKey(
          provider.name(),
          uri.getScheme() + "://" + uri.getHost() + ":" + port,
          tls,
          AttemptTimeouts.of(provider).connectMs(),
          size);
    }
  }
}
