package dev.switchboard.gateway.routing;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Values derived from routing-table records (a provider's parsed URL, a policy's settings), cached
 * by record identity: a table's records are the same objects for every request until the next
 * reload, so the request path looks a value up instead of deriving it again. Copy-on-write, read
 * without locks (writes are rare: once per record and reload); emptied when it reaches its limit,
 * so records of old tables do not pile up.
 */
public final class PerRecordCache<K, V> {

  private final int limit;
  private volatile Map<K, V> values = new IdentityHashMap<>();

  /**
   * @param limit entries after which the cache starts empty again
   */
  public PerRecordCache(int limit) {
    this.limit = limit;
  }

  /** The value cached for {@code record}, or null. */
  public V get(K record) {
    return values.get(record);
  }

  /** The value cached for {@code record}, derived and cached first when there is none. */
  public V get(K record, Function<K, V> derive) {
    V cached = values.get(record);
    if (cached != null) {
      return cached;
    }
    V derived = derive.apply(record);
    put(record, derived);
    return derived;
  }

  public synchronized void put(K record, V value) {
    Map<K, V> next =
        values.size() >= limit ? new IdentityHashMap<>() : new IdentityHashMap<>(values);
    next.put(record, value);
    values = next;
  }

  public synchronized void clear() {
    values = new IdentityHashMap<>();
  }
}
