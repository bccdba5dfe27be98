package dev.switchboard.gateway.state;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Coalesces calls of one group (one caller's admissions to the same rate buckets, say) into one
 * store call: while a group's calls are in flight (one, or up to {@code maxInFlight}), new items
 * queue, and they all go in the group's next call when it returns. Nothing waits for a timer:
 * alone, an item is sent at once; under load the batches grow with the round trip, so the store
 * sees one call per round trip and group instead of one per request. Thread-safe.
 *
 * <p>Groups are per event loop: a batch holds only items submitted on one loop, and the sender runs
 * on that loop (the store sends it on the loop's own connection), so every item's answer continues
 * on the thread that took its request. A batch mixing loops answered half its items on a foreign
 * thread, whose HTTP writes then hopped back to their own loop one task at a time.
 *
 * @param <I> an item (one request's call)
 * @param <R> its answer
 */
public final class Coalescer<I, R> {

  /** Sends a batch of one group; answers in the order of the items. */
  public interface Sender<I, R> extends Function<List<I>, Future<List<R>>> {}

  private record Entry<I, R>(I item, Promise<R> promise, Sender<I, R> sender) {}

  private static final class Group<I, R> {
    final ArrayDeque<Entry<I, R>> queue = new ArrayDeque<>();
    int inFlight;
    boolean gone;
  }

  private final int maxBatch;
  private final int maxInFlight;

  /** A group on one event loop (null: calls made off the event loops). */
  private record Key(String group, Object loop) {}

  private final Map<Key, Group<I, R>> groups = new ConcurrentHashMap<>();

  /**
   * @param maxBatch the most items in one call
   */
  public Coalescer(int maxBatch) {
    this(maxBatch, 1);
  }

  /**
   * @param maxBatch the most items in one call
   * @param maxInFlight calls of one group that may be in flight at once: with one, a group's
   *     throughput is one batch per round trip and every request waits for the call before its own;
   *     with two, the next batch goes out while the last is answered (each call is atomic in the
   *     store, so the order between two calls does not matter)
   */
  public Coalescer(int maxBatch, int maxInFlight) {
    this.maxBatch = maxBatch;
    this.maxInFlight = Math.max(1, maxInFlight);
  }

  /**
   * Queues {@code item} in {@code group}; {@code sender} sends the batch it ends up in (every item
   * of a group must be sendable by every other item's sender).
   */
  public Future<R> submit(String group, I item, Sender<I, R> sender) {
    Promise<R> promise = Promise.promise();
    Key key = new Key(group, currentLoop());
    while (true) {
      Group<I, R> g = groups.computeIfAbsent(key, k -> new Group<>());
      List<Entry<I, R>> batch = null;
      synchronized (g) {
        if (g.gone) {
          continue; // removed while idle: take (or make) the current one
        }
        g.queue.add(new Entry<>(item, promise, sender));
        if (g.inFlight < maxInFlight) {
          g.inFlight++;
          batch = drain(g);
        }
      }
      if (batch != null) {
        send(key, g, batch);
      }
      return promise.future();
    }
  }

  private static Object currentLoop() {
    Context context = Vertx.currentContext();
    return context instanceof ContextInternal internal && context.isEventLoopContext()
        ? internal.nettyEventLoop()
        : null;
  }

  private List<Entry<I, R>> drain(Group<I, R> g) {
    List<Entry<I, R>> batch = new ArrayList<>(Math.min(maxBatch, g.queue.size()));
    while (!g.queue.isEmpty() && batch.size() < maxBatch) {
      batch.add(g.queue.poll());
    }
    return batch;
  }

  private void send(Key group, Group<I, R> g, List<Entry<I, R>> batch) {
    while (batch != null) {
      List<I> items = new ArrayList<>(batch.size());
      batch.forEach(e -> items.add(e.item()));
      Future<List<R>> answer;
      try {
        answer = batch.get(0).sender().apply(items);
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      if (!answer.isComplete()) {
        List<Entry<I, R>> sent = batch;
        answer.onComplete(ar -> send(group, g, next(group, g, sent, ar)));
        return;
      }
      // Answered at once (a store that fails fast): go on here rather than recursing.
      batch = next(group, g, batch, answer);
    }
  }

  /** Answers {@code sent}; returns the group's next batch, or null when it has none. */
  private List<Entry<I, R>> next(
      Key group, Group<I, R> g, List<Entry<I, R>> sent, AsyncResult<List<R>> ar) {
    for (int i = 0; i < sent.size(); i++) {
      Promise<R> p = sent.get(i).promise();
      if (ar.failed()) {
        p.fail(ar.cause());
      } else {
        p.complete(ar.result().get(i));
      }
    }
    synchronized (g) {
      if (!g.queue.isEmpty()) {
        return drain(g);
      }
      g.inFlight--;
      if (g.inFlight == 0) {
        g.gone = true;
        groups.remove(group, g);
      }
      return null;
    }
  }
}
