package dev.switchboard.gateway.cache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The semantic cache of one route: per partition, unit embedding vectors in one contiguous float
 * array (a ring, oldest first) searched exhaustively by cosine similarity. Exact search is cheap
 * enough up to the entry cap (see BENCHMARKS.md) and has no recall to tune. A search only ever
 * looks inside the request's own partition: an entry of another partition cannot be returned, at
 * any similarity. Bounded by {@code maxEntries} over the whole route; entries leave oldest first,
 * which with one TTL per route is also expiry order.
 */
public final class SemanticIndex {

  /** A candidate at or above the threshold. */
  public record Match(CachedAnswer answer, float similarity) {}

  private final int dimensions;
  private final int maxEntries;
  private final long ttlMs;
  private final Map<String, Partition> partitions = new HashMap<>();
  private final ArrayDeque<Partition> insertionOrder = new ArrayDeque<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private int size;

  public SemanticIndex(int dimensions, int maxEntries, long ttlMs) {
    this.dimensions = dimensions;
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
  }

  /**
   * The live entries of {@code partition} with similarity at least {@code threshold}, most similar
   * first.
   */
  public List<Match> search(String partition, float[] query, double threshold, long nowMillis) {
    lock.readLock().lock();
    try {
      Partition p = partitions.get(partition);
      if (p == null) {
        return List.of();
      }
      List<Match> matches = new ArrayList<>(2);
      int capacity = p.answers.length;
      for (int k = 0; k < p.count; k++) {
        int slot = (p.head + k) % capacity;
        float similarity = VectorMath.dot(query, p.vectors, slot * dimensions);
        if (similarity >= threshold) {
          CachedAnswer answer = p.answers[slot];
          if (nowMillis - answer.storedAtMillis() < ttlMs) {
            matches.add(new Match(answer, similarity));
          }
        }
      }
      matches.sort((a, b) -> Float.compare(b.similarity(), a.similarity()));
      return matches;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Adds an entry; drops expired ones and, past {@code maxEntries}, the oldest. */
  public void add(String partition, float[] vector, CachedAnswer answer, long nowMillis) {
    lock.writeLock().lock();
    try {
      while (!insertionOrder.isEmpty()
          && (size >= maxEntries
              || nowMillis - insertionOrder.peekFirst().oldest().storedAtMillis() >= ttlMs)) {
        evictOldest();
      }
      Partition p = partitions.computeIfAbsent(partition, k -> new Partition(k, dimensions));
      p.append(vector, answer);
      insertionOrder.addLast(p);
      size++;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void evictOldest() {
    Partition p = insertionOrder.pollFirst();
    p.removeOldest();
    size--;
    if (p.count == 0) {
      partitions.remove(p.key);
    }
  }

  /** Entries held. */
  public int size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Partitions held. */
  public int partitions() {
    lock.readLock().lock();
    try {
      return partitions.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** One partition's ring of vectors and answers. */
  private static final class Partition {
    private final String key;
    private final int dimensions;
    private float[] vectors;
    private CachedAnswer[] answers;
    private int head;
    private int count;

    Partition(String key, int dimensions) {
      this.key = key;
      this.dimensions = dimensions;
      this.vectors = new float[4 * dimensions];
      this.answers = new CachedAnswer[4];
    }

    void append(float[] vector, CachedAnswer answer) {
      if (count == answers.length) {
        grow();
      }
      int slot = (head + count) % answers.length;
      System.arraycopy(vector, 0, vectors, slot * dimensions, dimensions);
      answers[slot] = answer;
      count++;
    }

    CachedAnswer oldest() {
      return answers[head];
    }

    void removeOldest() {
      answers[head] = null;
      head = (head + 1) % answers.length;
      count--;
    }

    private void grow() {
      int capacity = answers.length * 2;
      float[] v = new float[capacity * dimensions];
      CachedAnswer[] a = new CachedAnswer[capacity];
      for (int k = 0; k < count; k++) {
        int slot = (head + k) % answers.length;
        System.arraycopy(vectors, slot * dimensions, v, k * dimensions, dimensions);
        a[k] = answers[slot];
      }
      vectors = v;
      answers = a;
      head = 0;
    }
  }
}
