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
import java.util.concurrent.CountDownLatch;
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

  @Test
  void stopWritesWhatIsStillWaiting() {
    RequestLineAppender appender = appender(1_000);
    appender.setFlushIntervalMs(60_000); // the writer would not wake before the test ends
    for (int i = 0; i < 10; i++) {
      appender.doAppend(line("{\"i\":" + i + "}"));
    }
    appender.stop();
    assertThat(written()).hasSize(10).first().isEqualTo("{\"i\":0}");
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking() {
    RequestLineAppender appender = new RequestLineAppender();
    appender.setContext(context);
    appender.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    appender.setQueueSize(100);
    appender.setBatchLines(1_000_000); // nothing wakes the writer early
    appender.setFlushIntervalMs(60_000);
    appender.start();
    for (int i = 0; i < 250; i++) {
      appender.doAppend(line("{\"i\":" + i + "}"));
    }
    assertThat(appender.dropped()).isEqualTo(150);
    appender.stop();
    assertThat(written()).hasSize(100).last().isEqualTo("{\"i\":99}");
  }
}
