package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static dev.switchboard.gateway.resilience.ResilienceTables.policy;
import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * A key Secret that holds two keys on two lines (a rotation) or ends a key with CRLF must never get
 * a key into a log line or an answer: Vert.x refuses such a header value with an exception whose
 * message is the whole value, which used to be logged at WARN on every request.
 */
class KeyWithLineBreakIT {

  private static final String OLD = "sk-proj-AAAAAAAAAAAA";
  private static final String NEW = "sk-proj-BBBBBBBBBBBB";

  @TempDir Path dir;

  @Test
  void aKeyWithALineBreakIsRefusedAndNeverLogged() throws Exception {
    try (LogCapture logs = LogCapture.of(Logger.ROOT_LOGGER_NAME, Level.DEBUG)) {
      HttpResponse<String> r;
      try (GatewayHarness gateway =
          GatewayHarness.withMock(
              dir,
              new MockProviderOptions().keys(OLD, NEW),
              KeyWithLineBreakIT::table,
              Map.of("echo", OLD + "\n" + NEW))) {
        r = gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false));
        // The provider is keyless, as for a missing key; the mock was never called.
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(gateway.mock().attempts("e-1")).isZero();
        // The admin view says the key is there but was refused, not merely missing.
        String config = gateway.admin("/admin/config").body();
        assertThat(config)
            .contains("\"keyLoaded\":false")
            .contains("\"keyRefused\":true")
            .doesNotContain(OLD)
            .doesNotContain(NEW);
      }
      assertThat(r.body()).doesNotContain(OLD).doesNotContain(NEW);
      r.headers().map().values().forEach(v -> assertThat(v.toString()).doesNotContain("sk-proj"));
      List<String> lines = lines(logs.events());
      assertThat(lines).isNotEmpty();
      assertThat(lines).noneMatch(l -> l.contains(OLD) || l.contains(NEW));
      // What was wrong is said, naming the provider only.
      assertThat(lines).anyMatch(l -> l.contains("echo") && l.contains("not a valid key"));
    }
  }

  /** Every logged message with the messages of its exception chain. */
  private static List<String> lines(List<ILoggingEvent> events) {
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : events) {
      StringBuilder line = new StringBuilder(e.getFormattedMessage());
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        line.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
      }
      lines.add(line.toString());
    }
    return lines;
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Timeouts timeouts = new RoutingTable.Timeouts(1_000L, 3_000L, 5_000L, null);
    return TestTables.table(
        List.of(provider("echo", mock.baseUrl(), timeouts, null, null, null, Map.of())),
        List.of(policy("once", 1, 100, 0.2, 5, null, List.of())),
        List.of(policyRoute("chat", "once", target("echo", "e-1", 0))));
  }
}
