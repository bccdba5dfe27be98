package dev.switchboard.gateway.time;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A periodic task whose work grows with the routing table (the routing figures of every route and
 * target, recomputed every second) run on a worker thread instead of the event loop its timer fires
 * on, one run at a time: a tick that finds the last run still going is skipped rather than queued
 * behind it, so a slow run never piles up work on the worker pool.
 */
public final class WorkerTask {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerTask.class);

  private final Vertx vertx;
  private final String name;
  private final Runnable work;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong skipped = new AtomicLong();

  public WorkerTask(Vertx vertx, String name, Runnable work) {
    this.vertx = vertx;
    this.name = name;
    this.work = work;
  }

  /**
   * Starts a run on a worker unless one is still going (then this tick is skipped). Off an event
   * loop (a timer a test's clock fires on its own thread) the run happens here and now.
   */
  public void tick() {
    if (!running.compareAndSet(false, true)) {
      skipped.incrementAndGet();
      LOG.debug("{}: the last run is still going; this tick is skipped", name);
      return;
    }
    if (!Context.isOnEventLoopThread()) {
      try {
        work.run();
      } finally {
        running.set(false);
      }
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              try {
                work.run();
              } finally {
                running.set(false);
              }
              return null;
            },
            false)
        .onFailure(err -> LOG.warn("{} failed: {}", name, err.toString()));
  }

  /** Ticks skipped because a run was still going. */
  public long skipped() {
    return skipped.get();
  }
}
