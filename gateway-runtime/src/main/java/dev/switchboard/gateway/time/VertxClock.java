package dev.switchboard.gateway.time;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/** The production clock: the system's wall and monotonic time, and Vert.x timers. */
public final class VertxClock implements GatewayClock {

  private final Vertx vertx;

  public VertxClock(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long setTimer(long delayMs, Handler<Long> handler) {
    return vertx.setTimer(Math.max(1, delayMs), handler);
  }

  @Override
  public long setPeriodic(long periodMs, Handler<Long> handler) {
    return vertx.setPeriodic(Math.max(1, periodMs), handler);
  }

  @Override
  public boolean cancelTimer(long id) {
    return id >= 0 && vertx.cancelTimer(id);
  }
}
