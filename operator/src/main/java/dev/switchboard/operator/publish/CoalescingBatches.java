package dev.switchboard.operator.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/**
 * Single-flight batching per key (a namespace): a caller hands in its request and gets the result
 * of a batch that started after it arrived, so the result reflects its request. While a batch runs,
 * further callers wait; the next batch serves all of them at once, run by one of them. A burst of
 * reconciles therefore costs one render and one publish per batch, not one per reconciled resource
 * (used for a namespace's routing table and for its consumer table).
 *
 * <p>The caller whose request starts a batch runs it on its own thread (no extra executor), and
 * runs at most one: when it finishes, a waiting caller takes over the requests that arrived
 * meanwhile. A batch that fails hands its exception to every caller it served.
 *
 * @param <R> a caller's request
 * @param <V> the result of a batch, shared by every caller it served
 */
public final class CoalescingBatches<R, V> {

  private final BiFunction<String, List<R>, V> batch;
  private final ConcurrentMap<String, Lane<R, V>> lanes = new ConcurrentHashMap<>();
  private final AtomicLong batches = new AtomicLong();

  /**
   * Run by a waiter each time it wakes up, with the lane's lock let go (null: nothing runs). Only
   * tests set it ({@link #onWakeForTests}), to make a waiter as slow to take the lock back as a
   * thread the scheduler does not run for a while.
   */
  private volatile Runnable onWake;

  /**
   * @param batch runs one batch of a key's requests (in arrival order); never concurrently for the
   *     same key
   */
  public CoalescingBatches(BiFunction<String, List<R>, V> batch) {
    this.batch = batch;
  }

  /** How many batches ran, over all keys. */
  public long batches() {
    return batches.get();
  }

  /** How many callers of a key wait for the next batch (for tests). */
  public int waiting(String key) {
    Lane<R, V> lane = lanes.get(key);
    if (lane == null) {
      return 0;
    }
    lane.lock.lock();
    try {
      return lane.next.requests.size();
    } finally {
      lane.lock.unlock();
    }
  }

  /**
   * Test hook: {@code hook} runs in every waiter that wakes up, before it takes the lane's lock
   * back (the lock is not held while it runs).
   */
  public void onWakeForTests(Runnable hook) {
    this.onWake = hook;
  }

  /**
   * Adds {@code request} to the key's next batch and returns that batch's result.
   *
   * @throws RuntimeException what the batch threw
   */
  public V submit(String key, R request) {
    Lane<R, V> lane = lanes.computeIfAbsent(key, k -> new Lane<>());
    lane.lock.lock();
    try {
      Batch<R, V> mine = lane.next;
      mine.requests.add(request);
      // Its own batch's result, not the lane's latest: a waiter slow to take the lock again may
      // find a later batch (without its request) finished meanwhile.
      while (mine.result == null) {
        if (lane.running) {
          // Not interruptible: a batch is short, and leaving would lose the caller's result.
          lane.done.awaitUninterruptibly();
          Runnable hook = onWake;
          if (hook != null) {
            lane.lock.unlock();
            try {
              hook.run();
            } finally {
              lane.lock.lock();
            }
          }
          continue;
        }
        run(key, lane);
      }
      return mine.result.get();
    } finally {
      lane.lock.unlock();
    }
  }

  /** Runs one batch of everything pending; called and returns with the lane's lock held. */
  private void run(String key, Lane<R, V> lane) {
    lane.running = true;
    Batch<R, V> current = lane.next;
    lane.next = new Batch<>();
    Result<V> result;
    lane.lock.unlock();
    try {
      batches.incrementAndGet();
      result = Result.of(batch.apply(key, current.requests));
    } catch (RuntimeException | Error e) {
      result = Result.failed(e);
    } finally {
      lane.lock.lock();
    }
    lane.running = false;
    current.result = result;
    lane.done.signalAll();
  }

  private static final class Lane<R, V> {
    final ReentrantLock lock = new ReentrantLock();
    final Condition done = lock.newCondition();
    Batch<R, V> next = new Batch<>();
    boolean running;
  }

  /** The requests of one batch and, once it ran, its result (both guarded by the lane's lock). */
  private static final class Batch<R, V> {
    final List<R> requests = new ArrayList<>();
    Result<V> result;
  }

  private record Result<V>(V value, Throwable failure) {
    static <V> Result<V> of(V value) {
      return new Result<>(value, null);
    }

    static <V> Result<V> failed(Throwable failure) {
      return new Result<>(null, failure);
    }

    V get() {
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      return value;
    }
  }
}
