package dev.switchboard.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RequestLineAppenderTest {

  private final LoggerContext context = new LoggerContext();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  private RequestLineAppender appender(int queueSize) {
    RequestLineAppender a = new RequestLineAppender();
    a.setContext(context);
    a.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    a.setFlushIntervalMs(5);
    a.setQueueSize(queueSize);
    a.start();
    return a;
  }

  private LoggingEvent line(String message) {
    return new LoggingEvent(
        "fqcn", context.getLogger(RequestLogWriter.LOGGER_NAME), Level.INFO, message, null, null);
  }

  private List<String> written() {
    String text = bytes.toString(StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : List.of(text.split("\n", -1)).subList(0, count(text));
  }

  private static int count(String text) {
    return (int) text.chars().filter(c -> c == '\n').count();
  }

  @Test
  void everyLineFromManyThreadsArrivesWholeOnItsOwnLine() throws Exception {
    RequestLineAppender appender = appender(1_000_000);
    int threads = 4;
    int perThread = 5_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread sender =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < perThread; i++) {
                  appender.doAppend(line("{\"t\":" + id + ",\"i\":" + i + ",\"x\":\"é\"}"));
                }
              });
      senders.add(sender);
      sender.start();
    }
    go.countDown();
    for (Thread s : senders) {
      s.join();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> written().size() == threads * perThread);
    List<String> lines = written();
    assertThat(lines).allMatch(l -> l.matches("\\{\"t\":\\d,\"i\":\\d+,\"x\":\"é\"}"));
    // Each thread's lines keep their order.
    for (int t = 0; t < threads; t++) {
      String prefix = "{\"t\":" + t + ",";
      List<String> own = lines.stream().filter(l -> l.startsWith(prefix)).toList();
      assertThat(own).hasSize(perThread);
      for (int i = 0; i < perThread; i++) {
        assertThat(own.get(i)).startsWith(prefix + "\"i\":" + i + ",");
      }
    }
    assertThat(appender.dropped()).isZero();
    appender.stop();
  }

  /** An appender whose writer does not wake before the test ends (only stop() writes). */
  private RequestLineAppender sleepingWriter(int queueSize) {
    RequestLineAppender a = new RequestLineAppender();
    a.setContext(context);
    a.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    a.setQueueSize(queueSize);
    a.setBatchLines(1_000_000); // nothing wakes the writer early
    a.setFlushIntervalMs(60_000);
    a.setIdleIntervalMs(60_000);
    a.start();
    return a;
  }

  /**
   * The writer waits the short interval after a pass that wrote (lines keep coming: small, frequent
   * writes) and the long one after a pass that found nothing (an idle gateway wakes it rarely).
   */
  @Test
  void theWriterWaitsLittleWhileLinesComeAndLongWhenIdle() throws Exception {
    BlockingQueue<Long> waits = new LinkedBlockingQueue<>();
    Semaphore passes = new Semaphore(0);
    RequestLineAppender appender = new RequestLineAppender();
    appender.setContext(context);
    appender.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    appender.setFlushIntervalMs(3);
    appender.setIdleIntervalMs(40);
    AtomicBoolean free = new AtomicBoolean();
    appender.setParker(
        nanos -> {
          if (!free.get()) {
            waits.add(nanos);
            passes.acquireUninterruptibly();
          }
        });
    appender.start();
    assertThat(waits.poll(10, TimeUnit.SECONDS)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
    appender.doAppend(line("{\"i\":1}"));
    passes.release(); // a pass that writes the line
    assertThat(waits.poll(10, TimeUnit.SECONDS)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(3));
    assertThat(written()).containsExactly("{\"i\":1}");
    passes.release(); // a pass that finds nothing
    assertThat(waits.poll(10, TimeUnit.SECONDS)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
    appender.doAppend(line("{\"i\":2}"));
    passes.release();
    assertThat(waits.poll(10, TimeUnit.SECONDS)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(3));
    assertThat(written()).containsExactly("{\"i\":1}", "{\"i\":2}");
    free.set(true); // the writer runs freely again, so stop() can join it
    passes.release();
    appender.stop();
  }

  @Test
  void stopWritesWhatIsStillWaiting() {
    RequestLineAppender appender = sleepingWriter(1_000);
    for (int i = 0; i < 10; i++) {
      appender.doAppend(line("{\"i\":" + i + "}"));
    }
    appender.stop();
    assertThat(written()).hasSize(10).first().isEqualTo("{\"i\":0}");
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking() {
    RequestLineAppender appender = sleepingWriter(100);
    for (int i = 0; i < 250; i++) {
      appender.doAppend(line("{\"i\":" + i + "}"));
    }
    assertThat(appender.dropped()).isEqualTo(150);
    appender.stop();
    assertThat(written()).hasSize(100).last().isEqualTo("{\"i\":99}");
  }

  /**
   * A request line arrives as its UTF-8 bytes and is written as they are; a message something else
   * logs to the request logger is written as its text, both one per line.
   */
  @Test
  void aRequestLineIsWrittenAsItsBytesAndAnyOtherMessageAsItsText() {
    RequestLineAppender appender = sleepingWriter(10);
    byte[] built = "{\"x\":\"é\u2028\"}".getBytes(StandardCharsets.UTF_8);
    appender.doAppend(
        new LoggingEvent(
            "fqcn",
            context.getLogger(RequestLogWriter.LOGGER_NAME),
            Level.INFO,
            "{}",
            null,
            new Object[] {new RequestLogWriter.Line(built)}));
    appender.doAppend(line("plain é"));
    appender.doAppend(
        new LoggingEvent(
            "fqcn",
            context.getLogger(RequestLogWriter.LOGGER_NAME),
            Level.INFO,
            "say {}",
            null,
            new Object[] {new RequestLogWriter.Line("{}".getBytes(StandardCharsets.UTF_8))}));
    appender.stop();
    byte[] expected = ("{\"x\":\"é\u2028\"}\nplain é\nsay {}\n").getBytes(StandardCharsets.UTF_8);
    assertThat(bytes.toByteArray()).isEqualTo(expected);
  }
}
