package dev.switchboard.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonLogLayoutTest {

  @Test
  void aMultiLineMessageWithAStackTraceIsOneJsonLine() throws Exception {
    Logger logger = new LoggerContext().getLogger("io.netty.test");
    LoggingEvent event =
        new LoggingEvent(
            Logger.class.getName(),
            logger,
            Level.WARN,
            "first line\nsecond \"quoted\" line {}",
            new IllegalStateException("boom\nwith a newline"),
            new Object[] {42});
    String line = new JsonLogLayout().doLayout(event);

    assertThat(line).endsWith(System.lineSeparator());
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode doc = new ObjectMapper().readTree(line);
    assertThat(doc.path("type").asText()).isEqualTo("log");
    assertThat(doc.path("level").asText()).isEqualTo("WARN");
    assertThat(doc.path("logger").asText()).isEqualTo("io.netty.test");
    assertThat(doc.path("message").asText()).isEqualTo("first line\nsecond \"quoted\" line 42");
    assertThat(doc.path("error").asText())
        .isEqualTo("java.lang.IllegalStateException: boom\nwith a newline");
    assertThat(doc.path("stack").asText())
        .contains("aMultiLineMessageWithAStackTraceIsOneJsonLine");
    assertThat(doc.path("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
  }

  /** A value with NEL, U+2028 or U+2029 (a model name, an upstream message) forges no line. */
  @Test
  void unicodeLineEndsAreEscaped() throws Exception {
    Logger logger = new LoggerContext().getLogger("dev.switchboard.test");
    String hostile = "x\u0085{\"forged\":1}\u2028{\"forged\":2}\u2029{\"forged\":3}";
    LoggingEvent event =
        new LoggingEvent(
            Logger.class.getName(), logger, Level.WARN, "model {}", null, new Object[] {hostile});
    String line = new JsonLogLayout().doLayout(event).strip();

    assertThat(line).doesNotContain("\u0085", "\u2028", "\u2029");
    assertThat(new ObjectMapper().readTree(line).path("message").asText())
        .isEqualTo("model " + hostile);
  }
}
