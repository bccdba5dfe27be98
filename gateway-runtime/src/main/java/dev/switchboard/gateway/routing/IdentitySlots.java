package dev.switchboard.gateway.routing;

import java.util.function.Function;

/**
 * Values derived from routing-table records, remembered in a fixed number of slots by the record's
 * identity (a table's records are the same objects for every request until the next reload): the
 * request path reads a slot instead of deriving the value again. Unlike {@link PerRecordCache} it
 * never copies or locks, so it stays cheap with tens of thousands of records, where a record used
 * for the first time would otherwise copy the whole map: a slot holds the record last derived in
 * it, and a collision only means deriving again. Each slot's entry is immutable, so another event
 * loop reads it whole without a lock. Values may be null.
 */
public final class IdentitySlots<K, V> {

  private record Entry<K, V>(K key, V value) {}

  private final Entry<K, V>[] slots;

  /**
   * @param wanted slots wanted; rounded up to a power of two
   */
  @SuppressWarnings("unchecked")
  public IdentitySlots(int wanted) {
    this.slots = new Entry[Integer.highestOneBit(Math.max(2, wanted) - 1) << 1];
  }

  /**
   * The value derived for {@code key} ({@code derive} run on it first when its slot holds another).
   */
  public V get(K key, Function<K, V> derive) {
    int slot = System.identityHashCode(key) & (slots.length - 1);
    Entry<K, V> known = slots[slot];
    if (known != null && known.key() == key) {
      return known.value();
    }
    V value = derive.apply(key);
    slots[slot] = new Entry<>(key, value);
    return value;
  }

  /** The number of slots. */
  public int size() {
    return slots.length;
  }
}
