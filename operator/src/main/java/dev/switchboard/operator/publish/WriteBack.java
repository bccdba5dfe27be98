package dev.switchboard.operator.publish;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Where a published object deleted or edited by others is written back: off informer threads. */
public final class WriteBack {

  private WriteBack() {}

  /**
   * One daemon thread named {@code threadName} at most, in order, gone when idle for 30 s (a
   * stopped operator leaves none behind).
   */
  public static Executor executor(String threadName) {
    return new ThreadPoolExecutor(
        0,
        1,
        30,
        TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(),
        r -> {
          Thread thread = new Thread(r, threadName);
          thread.setDaemon(true);
          return thread;
        });
  }
}
