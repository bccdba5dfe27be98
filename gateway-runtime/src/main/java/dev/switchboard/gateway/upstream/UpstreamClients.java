package dev.switchboard.gateway.upstream;

import dev.switchboard.contract.RoutingTable;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.net.URI;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One keep-alive connection pool per provider endpoint. HTTPS endpoints negotiate HTTP/2 through
 * ALPN and fall back to HTTP/1.1; plain-HTTP endpoints (vLLM, Ollama, mocks) use HTTP/1.1 pools. A
 * pool is keyed by everything that shapes it (origin, connect timeout, pool size), so a reload that
 * changes any of them gets a fresh pool while the old one drains gracefully.
 */
public final class UpstreamClients {

  /** Pool size where a provider sets no {@code maxConcurrency}. */
  public static final int DEFAULT_POOL_SIZE = 64;

  private final Vertx vertx;
  private final Map<PoolKey, HttpClientAgent> pools = new ConcurrentHashMap<>();

  /**
   * The pool of each provider record seen since the last reload, by identity: deriving the pool key
   * parses the base URL, which is per-request waste when the provider record is the same object
   * every time. Copy-on-write (writes are rare: once per provider and reload) so the request path
   * reads it without locks; {@link #retainOnly} empties it so old records and pools are not kept
   * alive.
   */
  private volatile Map<RoutingTable.Provider, HttpClientAgent> byProvider = Map.of();

  public UpstreamClients(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The pool for a provider as the current table describes it. */
  public HttpClientAgent clientFor(RoutingTable.Provider provider) {
    HttpClientAgent cached = byProvider.get(provider);
    if (cached != null) {
      return cached;
    }
    PoolKey key = PoolKey.of(provider);
    HttpClientAgent client = pools.computeIfAbsent(key, this::create);
    remember(provider, key, client);
    return client;
  }

  private synchronized void remember(
      RoutingTable.Provider provider, PoolKey key, HttpClientAgent client) {
    // A reload may have retired the pool between computeIfAbsent and here; caching it then would
    // hand a draining pool to later requests.
    if (pools.get(key) != client) {
      return;
    }
    Map<RoutingTable.Provider, HttpClientAgent> next = new IdentityHashMap<>(byProvider);
    next.put(provider, client);
    byProvider = next;
  }

  private HttpClientAgent create(PoolKey key) {
    HttpClientOptions options =
        new HttpClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, key.connectTimeoutMs()))
            .setKeepAlive(true)
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
        HttpClientAgent stale = pools.remove(key);
        if (stale != null) {
          if (delayMs > 0) {
            vertx.setTimer(delayMs, id -> stale.shutdown(graceMs, TimeUnit.MILLISECONDS));
          } else {
            stale.shutdown(graceMs, TimeUnit.MILLISECONDS);
          }
        }
      }
    }
    // Records of the previous table must not keep their pools reachable (or in use) here.
    byProvider = Map.of();
  }

  /** Number of pools currently open (for tests and the admin summary). */
  public int poolCount() {
    return pools.size();
  }

  /** Closes every pool. */
  public synchronized void close() {
    byProvider = Map.of();
    pools.values().forEach(HttpClientAgent::close);
    pools.clear();
  }

  private record PoolKey(
      String provider, String origin, boolean tls, long connectTimeoutMs, int poolSize) {
    static PoolKey of(RoutingTable.Provider provider) {
      URI uri = URI.create(UpstreamRequests.baseUrl(provider));
      boolean tls = "https".equalsIgnoreCase(uri.getScheme());
      int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
      int size =
          provider.maxConcurrency() == null || provider.maxConcurrency() <= 0
              ? DEFAULT_POOL_SIZE
              : provider.maxConcurrency();
      return new PoolKey(
          provider.name(),
          uri.getScheme() + "://" + uri.getHost() + ":" + port,
          tls,
          AttemptTimeouts.of(provider).connectMs(),
          size);
    }
  }
}
