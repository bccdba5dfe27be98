package dev.switchboard.gateway.cache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The semantic cache of one route: per partition, unit embedding vectors in one contiguous float
 * array (a ring, oldest first) searched exhaustively by cosine similarity, behind a filter that
 * skips the vectors that cannot be near: each entry also keeps a {@value #BITS}-bit SimHash (the
 * signs of its projections on fixed random hyperplanes, six longs), and only entries whose
 * signature differs from the query's in at most {@link #maxHamming} bits get the exact dot product.
 * For two vectors at angle θ each bit differs with probability θ/π, independently per hyperplane,
 * so the bound (the expected count at the threshold's angle plus seven standard deviations) lets a
 * true match through with probability above 1 − 10⁻¹¹; scanning 50,000 signatures reads 2.4 MB
 * instead of 77 MB of floats. The filter can only turn a would-be hit into a miss, never a miss
 * into a hit: every answer served passed the exact similarity test. A search only ever looks inside
 * the request's own partition: an entry of another partition cannot be returned, at any similarity.
 * Bounded by {@code maxEntries} over the whole route and by the gateway-wide byte budget of {@link
 * ResponseCache} (each entry counts its answer, vector, signature and lexical profile; an answer
 * the route's exact store also holds is counted by both); entries leave oldest first, which with
 * one TTL per route is also expiry order, and give their bytes back when they leave, expire ({@link
 * #expire}, swept periodically) or the index is closed.
 */
public final class SemanticIndex {

  /**
   * A candidate at or above the threshold, with the lexical profile of its text (computed once when
   * stored, not on every lookup that meets it).
   */
  public record Match(CachedAnswer answer, float similarity, LexicalGuard.Profile profile) {}

  /** SimHash bits per entry. */
  static final int BITS = 384;

  private static final Logger LOG = LoggerFactory.getLogger(SemanticIndex.class);

  /** The shortest time between two log lines about vectors that changed length, per index. */
  static final long LENGTH_CHANGE_LOG_MS = 60_000;

  private static final int WORDS = BITS / 64;
  private static final Map<Integer, float[]> PLANES = new ConcurrentHashMap<>();

  private final int maxEntries;
  private final long ttlMs;
  private final Map<String, Partition> partitions = new HashMap<>();
  private final ArrayDeque<Partition> insertionOrder = new ArrayDeque<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private int size;
  private final AtomicLong budgetBytes;
  private final long maxBytes;

  /** The bytes of this index's entries still counted in {@link #budgetBytes}. */
  private long heldBytes;

  private boolean closed;

  /** The route this index caches for (log lines); empty when not known. */
  private final String route;

  /**
   * References in {@link #insertionOrder} to partitions dropped for a vector of another length
   * ({@link Partition#dropped}): skipped when they reach the head, compacted away when they
   * outnumber the live entries.
   */
  private int tombstones;

  /** The last length change logged ({@code "384>1024"}) and when; null before the first. */
  private String loggedChange;

  private long loggedAtMillis;

  /**
   * An empty index. Vectors may have any length (384 for the builtin embedder, 1,536 or 3,072 for a
   * provider's model): each partition holds one length, set by its first entry — a partition
   * belongs to one embedder ({@link CacheRequest}), so its vectors agree. When they stop agreeing
   * (the provider serves another model under the same name) a vector of another length replaces the
   * partition's entries: a query is only ever compared with vectors of its own length.
   */
  public SemanticIndex(int maxEntries, long ttlMs) {
    this(maxEntries, ttlMs, new AtomicLong(), Long.MAX_VALUE);
  }

  /** An empty index sharing the byte budget {@code budgetBytes} of at most {@code maxBytes}. */
  SemanticIndex(int maxEntries, long ttlMs, AtomicLong budgetBytes, long maxBytes) {
    this(maxEntries, ttlMs, budgetBytes, maxBytes, "");
  }

  /** As above, for {@code route} (named in log lines). */
  SemanticIndex(int maxEntries, long ttlMs, AtomicLong budgetBytes, long maxBytes, String route) {
    this.route = route == null ? "" : route;
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.budgetBytes = budgetBytes;
    this.maxBytes = maxBytes;
  }

  /**
   * Approximate heap bytes one entry holds: its answer ({@link CachedAnswer#bytes}), its vector and
   * signature in the partition's arrays, and its lexical profile (the text's words several times
   * over: lists, sets, the joined string).
   */
  static long entryBytes(CachedAnswer answer, int dimensions) {
    long profile = answer.text() == null ? 0 : 400 + 12L * answer.text().length();
    return answer.bytes() + 4L * dimensions + 8L * WORDS + 16 + profile;
  }

  /**
   * The live entries of {@code partition} with similarity at least {@code threshold}, most similar
   * first.
   */
  public List<Match> search(String partition, float[] query, double threshold, long nowMillis) {
    lock.readLock().lock();
    try {
      Partition p = partitions.get(partition);
      if (p == null || p.dimensions != query.length) {
        return List.of();
      }
      int dimensions = p.dimensions;
      List<Match> matches = new ArrayList<>(2);
      int capacity = p.answers.length;
      long[] q = signature(query);
      int bound = maxHamming(threshold);
      long[] signs = p.signs;
      for (int k = 0; k < p.count; k++) {
        int slot = (p.head + k) % capacity;
        int at = slot * WORDS;
        int differ =
            Long.bitCount(q[0] ^ signs[at])
                + Long.bitCount(q[1] ^ signs[at + 1])
                + Long.bitCount(q[2] ^ signs[at + 2])
                + Long.bitCount(q[3] ^ signs[at + 3])
                + Long.bitCount(q[4] ^ signs[at + 4])
                + Long.bitCount(q[5] ^ signs[at + 5]);
        if (differ > bound) {
          continue;
        }
        float similarity = VectorMath.dot(query, p.vectors, slot * dimensions);
        if (similarity >= threshold) {
          CachedAnswer answer = p.answers[slot];
          if (nowMillis - answer.storedAtMillis() < ttlMs) {
            matches.add(new Match(answer, similarity, p.profiles[slot]));
          }
        }
      }
      matches.sort((a, b) -> Float.compare(b.similarity(), a.similarity()));
      return matches;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Adds an entry; drops expired ones and, past {@code maxEntries}, the oldest; past the byte
   * budget, this index's oldest entries make room when that is enough, else the entry is not stored
   * (a miss later). A closed index stores nothing.
   */
  public void add(String partition, float[] vector, CachedAnswer answer, long nowMillis) {
    lock.writeLock().lock();
    try {
      if (closed) {
        return; // the route's cache was replaced or removed while this answer was embedded
      }
      while (head() != null
          && (size >= maxEntries || nowMillis - head().oldest().storedAtMillis() >= ttlMs)) {
        evictOldest();
      }
      Partition existing = partitions.get(partition);
      if (existing != null && existing.dimensions != vector.length) {
        // The embedder now makes vectors of another length under the same partition (the same
        // vector space as far as the configuration tells: the provider changed the model behind
        // the name). The old vectors can never be compared with a query again — before, they
        // kept the partition (and refused the new vectors) until they expired, no hit meanwhile.
        drop(existing, vector.length, nowMillis);
      }
      long bytes = entryBytes(answer, vector.length);
      if (budgetBytes.get() - heldBytes + bytes > maxBytes) {
        return; // other routes hold the rest of the budget: dropping this index would not help
      }
      while (head() != null && budgetBytes.get() + bytes > maxBytes) {
        evictOldest();
      }
      if (budgetBytes.addAndGet(bytes) > maxBytes) {
        budgetBytes.addAndGet(-bytes);
        return;
      }
      heldBytes += bytes;
      Partition p = partitions.computeIfAbsent(partition, k -> new Partition(k, vector.length));
      p.append(
          vector,
          signature(vector),
          answer,
          answer.text() == null ? null : LexicalGuard.profile(answer.text()));
      insertionOrder.addLast(p);
      size++;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * The most signature bits two vectors at the threshold's similarity differ in, but for a chance
   * below 10⁻¹¹: the binomial mean at angle acos(threshold) plus seven standard deviations.
   */
  static int maxHamming(double threshold) {
    double p = Math.acos(Math.max(-1, Math.min(1, threshold))) / Math.PI;
    return (int) Math.ceil(BITS * p + 7 * Math.sqrt(BITS * p * (1 - p))) + 1;
  }

  /** The SimHash of {@code v}: bit i is set when v lies on the positive side of hyperplane i. */
  static long[] signature(float[] v) {
    float[] planes = PLANES.computeIfAbsent(v.length, SemanticIndex::hyperplanes);
    int dimensions = v.length;
    long[] bits = new long[WORDS];
    for (int i = 0; i < BITS; i++) {
      if (VectorMath.dot(v, planes, i * dimensions) >= 0) {
        bits[i >>> 6] |= 1L << (i & 63);
      }
    }
    return bits;
  }

  /** Fixed Gaussian hyperplanes (seeded: every replica and restart computes the same ones). */
  private static float[] hyperplanes(int dimensions) {
    Random random = new Random(0x5eed_18L);
    float[] planes = new float[BITS * dimensions];
    for (int i = 0; i < planes.length; i++) {
      planes[i] = (float) random.nextGaussian();
    }
    return planes;
  }

  /**
   * The partition of the oldest live entry (tombstones of dropped partitions at the head are
   * removed on the way), or null when the index holds no entry.
   */
  private Partition head() {
    Partition p = insertionOrder.peekFirst();
    while (p != null && p.dropped) {
      insertionOrder.pollFirst();
      tombstones--;
      p = insertionOrder.peekFirst();
    }
    return p;
  }

  /**
   * Drops every entry of {@code p}, whose vectors have another length than {@code newLength}, the
   * embedder's now: their bytes come back at once; their places in {@link #insertionOrder} become
   * tombstones (removed when they reach its head, or all at once when they outnumber the live
   * entries: amortised O(1) each). Logs it, at most once a minute per index and length change.
   */
  private void drop(Partition p, int newLength, long nowMillis) {
    int dropped = p.count;
    long bytes = 0;
    for (int k = 0; k < p.count; k++) {
      bytes += entryBytes(p.answers[(p.head + k) % p.answers.length], p.dimensions);
    }
    heldBytes -= bytes;
    budgetBytes.addAndGet(-bytes);
    size -= dropped;
    tombstones += dropped;
    partitions.remove(p.key);
    p.drop();
    if (tombstones > size + 1024) {
      insertionOrder.removeIf(q -> q.dropped);
      tombstones = 0;
    }
    String change = p.dimensions + ">" + newLength;
    if (!change.equals(loggedChange) || nowMillis - loggedAtMillis >= LENGTH_CHANGE_LOG_MS) {
      loggedChange = change;
      loggedAtMillis = nowMillis;
      LOG.warn(
          "semantic cache{}: the embedder's vectors changed length from {} to {} without a"
              + " configuration change (another model behind the same name?); dropped the {}"
              + " entries of a partition holding the old length, the others are dropped as new"
              + " vectors reach them",
          route.isEmpty() ? "" : " of route " + route,
          p.dimensions,
          newLength,
          dropped);
    }
  }

  private void evictOldest() {
    head(); // past the tombstones
    Partition p = insertionOrder.pollFirst();
    long bytes = entryBytes(p.oldest(), p.dimensions);
    heldBytes -= bytes;
    budgetBytes.addAndGet(-bytes);
    p.removeOldest();
    size--;
    if (p.count == 0) {
      partitions.remove(p.key);
    }
  }

  /** Drops the entries past their TTL at {@code nowMillis}, giving their bytes back. */
  public void expire(long nowMillis) {
    lock.writeLock().lock();
    try {
      while (head() != null && nowMillis - head().oldest().storedAtMillis() >= ttlMs) {
        evictOldest();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Drops every entry and gives its bytes back; the index stores nothing more (the route's cache is
   * replaced, or the route no longer has one).
   */
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      budgetBytes.addAndGet(-heldBytes);
      heldBytes = 0;
      partitions.clear();
      insertionOrder.clear();
      size = 0;
      tombstones = 0;
    } finally {
      lock.writeLock().unlock();
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
    private long[] signs;
    private CachedAnswer[] answers;
    private LexicalGuard.Profile[] profiles;
    private int head;
    private int count;

    /** Dropped for a vector of another length: its references left are tombstones. */
    private boolean dropped;

    Partition(String key, int dimensions) {
      this.key = key;
      this.dimensions = dimensions;
      this.vectors = new float[4 * dimensions];
      this.signs = new long[4 * WORDS];
      this.answers = new CachedAnswer[4];
      this.profiles = new LexicalGuard.Profile[4];
    }

    void append(
        float[] vector, long[] signature, CachedAnswer answer, LexicalGuard.Profile profile) {
      if (count == answers.length) {
        grow();
      }
      int slot = (head + count) % answers.length;
      System.arraycopy(vector, 0, vectors, slot * dimensions, dimensions);
      System.arraycopy(signature, 0, signs, slot * WORDS, WORDS);
      answers[slot] = answer;
      profiles[slot] = profile;
      count++;
    }

    /** Gives its arrays up (its tombstones may stay a while): it holds nothing now. */
    void drop() {
      dropped = true;
      count = 0;
      vectors = new float[0];
      signs = new long[0];
      answers = new CachedAnswer[0];
      profiles = new LexicalGuard.Profile[0];
    }

    CachedAnswer oldest() {
      return answers[head];
    }

    void removeOldest() {
      answers[head] = null;
      profiles[head] = null;
      head = (head + 1) % answers.length;
      count--;
    }

    private void grow() {
      int capacity = answers.length * 2;
      float[] v = new float[capacity * dimensions];
      long[] g = new long[capacity * WORDS];
      CachedAnswer[] a = new CachedAnswer[capacity];
      LexicalGuard.Profile[] f = new LexicalGuard.Profile[capacity];
      for (int k = 0; k < count; k++) {
        int slot = (head + k) % answers.length;
        System.arraycopy(vectors, slot * dimensions, v, k * dimensions, dimensions);
        System.arraycopy(signs, slot * WORDS, g, k * WORDS, WORDS);
        a[k] = answers[slot];
        f[k] = profiles[slot];
      }
      vectors = v;
      signs = g;
      answers = a;
      profiles = f;
      head = 0;
    }
  }
}
