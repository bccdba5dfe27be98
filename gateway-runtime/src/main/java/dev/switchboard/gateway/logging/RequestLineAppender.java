package dev.switchboard.gateway.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Writes request lines (each event's message, one JSON document) to standard output in batches. The
 * event loop only puts the line on a lock-free queue; a writer thread wakes every {@code
 * flushIntervalMs} while lines keep coming, every {@code idleIntervalMs} after a pass that found
 * none (or sooner when {@code batchLines} lines wait), and writes everything waiting with one
 * system call. logback's AsyncAppender in front of a ConsoleAppender, which this replaces, woke its
 * worker for nearly every line and wrote each line with its own system call: measured, about a
 * third of the gateway's CPU per request (issue #21, BENCHMARKS.md). The short interval under
 * traffic keeps each write small: appending a 20 ms batch (~115 KB at 6,000 requests a second) held
 * a core for ~0.4 ms, long enough to show in the gateway's c=1 p99 latency; 2 ms batches do not
 * (BENCHMARKS.md).
 *
 * <p>Never blocks the caller: past {@code queueSize} waiting lines a line is dropped and counted,
 * and the count is reported on standard error once per drop episode. Lines reach standard output at
 * most {@code idleIntervalMs} late; {@link #stop()} (logback's shutdown hook) writes what waits.
 * Lines are written through {@code System.out} under its lock, so they never interleave with the
 * gateway's other log lines.
 */
public final class RequestLineAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

  private final ConcurrentLinkedQueue<byte[]> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private volatile Thread writer;
  private volatile boolean running;
  private long flushIntervalMs = 2;
  private long idleIntervalMs = 20;
  private int queueSize = 65_536;
  private int batchLines = 2_048;
  private PrintStream out;
  private LongConsumer parker = LockSupport::parkNanos;

  /** How long the writer waits between passes while lines keep coming (default 2 ms). */
  public void setFlushIntervalMs(long flushIntervalMs) {
    this.flushIntervalMs = Math.max(1, flushIntervalMs);
  }

  /**
   * How long the writer waits after a pass that found no line (default 20 ms): the most a line
   * waits, and the writer's wake-ups per second on an idle gateway.
   */
  public void setIdleIntervalMs(long idleIntervalMs) {
    this.idleIntervalMs = Math.max(1, idleIntervalMs);
  }

  /** Lines that may wait; beyond, lines are dropped and counted (default 65,536). */
  public void setQueueSize(int queueSize) {
    this.queueSize = Math.max(1, queueSize);
  }

  /** Waiting lines that wake the writer before its interval is up (default 2,048). */
  public void setBatchLines(int batchLines) {
    this.batchLines = Math.max(1, batchLines);
  }

  /** Where lines go (tests); standard output unless set before {@link #start()}. */
  void setOut(PrintStream out) {
    this.out = out;
  }

  /** How the writer waits, in nanoseconds (tests); {@code LockSupport.parkNanos} unless set. */
  void setParker(LongConsumer parker) {
    this.parker = parker;
  }

  /** Lines dropped because the queue was full, since start. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void start() {
    if (out == null) {
      out = System.out;
    }
    running = true;
    Thread t = new Thread(this::writeLoop, "switchboard-request-log");
    t.setDaemon(true);
    writer = t;
    t.start();
    super.start();
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    Thread t = writer;
    if (t != null) {
      LockSupport.unpark(t);
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    drain(new ByteArrayOutputStream(64 * 1024)); // whatever came in after the last pass
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (size.incrementAndGet() > queueSize) {
      size.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    waiting.offer(utf8(event));
    if (size.get() == batchLines) {
      LockSupport.unpark(writer);
    }
  }

  /**
   * The event's line as UTF-8: a {@link RequestLogWriter.Line} as it was built, any other message
   * (something else logging to this logger) encoded here.
   */
  private static byte[] utf8(ILoggingEvent event) {
    Object[] args = event.getArgumentArray();
    if (args != null
        && args.length == 1
        && args[0] instanceof RequestLogWriter.Line line
        && "{}".equals(event.getMessage())) {
      return line.utf8();
    }
    return event.getFormattedMessage().getBytes(StandardCharsets.UTF_8);
  }

  private void writeLoop() {
    ByteArrayOutputStream batch = new ByteArrayOutputStream(64 * 1024);
    long reportedDrops = 0;
    boolean wrote = false;
    while (running) {
      parker.accept(TimeUnit.MILLISECONDS.toNanos(wrote ? flushIntervalMs : idleIntervalMs));
      wrote = drain(batch);
      long drops = dropped.get();
      if (drops != reportedDrops) {
        System.err.println(
            "{\"level\":\"WARN\",\"logger\":\"switchboard.requests\",\"message\":\"request log"
                + " queue full: "
                + (drops - reportedDrops)
                + " request lines dropped\"}");
        reportedDrops = drops;
      }
    }
  }

  /**
   * Writes every waiting line with one write; called by the writer thread, then by stop(). Returns
   * whether there was any.
   */
  private synchronized boolean drain(ByteArrayOutputStream batch) {
    boolean any = false;
    byte[] line;
    while ((line = waiting.poll()) != null) {
      any = true;
      size.decrementAndGet();
      batch.writeBytes(line);
      batch.write('\n');
      if (batch.size() >= 256 * 1024) {
        flush(batch);
      }
    }
    flush(batch);
    return any;
  }

  private void flush(ByteArrayOutputStream batch) {
    if (batch.size() == 0) {
      return;
    }
    PrintStream target = out;
    synchronized (target) {
      // One write per batch, straight from the batch's array. PrintStream.write never throws (it
      // records errors for checkError), so the IOException writeTo declares cannot happen.
      try {
        batch.writeTo(target);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      target.flush();
    }
    batch.reset();
  }
}
