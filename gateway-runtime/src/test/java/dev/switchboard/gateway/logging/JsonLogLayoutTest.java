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
}
