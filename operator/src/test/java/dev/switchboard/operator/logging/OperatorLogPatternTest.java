package dev.switchboard.operator.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.status.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's own log configuration ({@code switchboard-operator-logback.xml}) writes one line
 * per event: a message that relays text with line ends (a resource's field, an API error) cannot
 * forge a log line, and neither can an exception's message, while the stack trace keeps one frame
 * per line.
 */
class OperatorLogPatternTest {

  private static final String FORGED = "2026-12-07T10:00:00.000Z INFO  [main] forged - all is well";

  private final LoggerContext context = new LoggerContext();
  private Encoder<ILoggingEvent> encoder;

  @BeforeEach
  void configure() throws Exception {
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(
        OperatorLogPatternTest.class.getResource("/switchboard-operator-logback.xml"));
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .as("logback's complaints about the configuration")
        .noneMatch(s -> s.getLevel() >= Status.WARN);
    OutputStreamAppender<ILoggingEvent> appender =
        (OutputStreamAppender<ILoggingEvent>)
            context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
    encoder = appender.getEncoder();
  }

  @AfterEach
  void stop() {
    context.stop();
  }

  private String line(String message, Object[] arguments, Throwable thrown) {
    Logger logger = context.getLogger("dev.switchboard.operator.consumer.ConsumerReconciler");
    LoggingEvent event =
        new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, thrown, arguments);
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  @Test
  void aMessageWithLineEndsIsOneLine() {
    String out =
        line(
            "could not publish the consumer table in {}: {}",
            new Object[] {"team-a", "Conflict\n" + FORGED + "\r\n" + FORGED + "\u2028" + FORGED},
            null);

    assertThat(out).endsWith(System.lineSeparator());
    assertThat(out.lines().toList()).hasSize(1);
    assertThat(out)
        .contains("could not publish the consumer table in team-a: Conflict\\n" + FORGED)
        .contains("\\r\\n" + FORGED)
        .contains("\\u2028" + FORGED)
        .doesNotContain("\u2028");
  }

  @Test
  void anExceptionsMessagesCannotStartALineButItsFramesKeepTheirs() {
    IllegalStateException thrown =
        new IllegalStateException(
            "Failure executing: PUT\n" + FORGED,
            new RuntimeException("cause\r\n" + FORGED + "\u0085" + FORGED));
    thrown.addSuppressed(new RuntimeException("suppressed\n" + FORGED));

    String out = line("reconcile of {} failed", new Object[] {"app\n" + FORGED}, thrown);

    List<String> lines = out.lines().toList();
    assertThat(lines.get(0)).contains("reconcile of app\\n" + FORGED + " failed");
    assertThat(lines.get(1))
        .isEqualTo("java.lang.IllegalStateException: Failure executing: PUT\\n" + FORGED);
    // Every further line is a frame, a cause or a suppressed exception: none a log event.
    assertThat(lines.subList(1, lines.size()))
        .allMatch(
            l -> l.startsWith("java.lang.") || l.startsWith("\t") || l.startsWith("Caused by: "))
        .anyMatch(l -> l.startsWith("\tat "))
        .contains(
            "Caused by: java.lang.RuntimeException: cause\\r\\n" + FORGED + "\\u0085" + FORGED)
        .anyMatch(l -> l.endsWith("RuntimeException: suppressed\\n" + FORGED));
    assertThat(lines).noneMatch(l -> l.startsWith(FORGED));
  }

  @Test
  void escapeLeavesOtherTextAsItIs() {
    String plain = "published 2 consumer(s) [a, b] to ns/switchboard-consumer-keys";
    assertThat(OneLine.escape(plain)).isSameAs(plain);
    assertThat(OneLine.escape("tab\there, é, \\n typed")).isEqualTo("tab\there, é, \\n typed");
    assertThat(OneLine.escape("a\u000bb\u000cc\u001cd\u2029e"))
        .isEqualTo("a\\u000bb\\u000cc\\u001cd\\u2029e");
    assertThat(OneLine.escape(null)).isNull();
  }
}
