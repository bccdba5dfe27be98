package dev.switchboard.gateway.resilience;

import static dev.switchboard.gateway.resilience.ResilienceTables.provider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.IThrowableProxy;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.UpstreamClients;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * A key the HTTP client refuses as a header value (a line break inside) must neither stop the
 * health checker for good nor reach a log line: once the key is fixed, the next probe goes out with
 * it, without a restart.
 */
class HealthCheckerBadKeyTest {

  private static final long INTERVAL_MS = 1_000L;
  private static final String BAD = "sk-proj-AAAAAAAAAAAA\nsk-proj-BBBBBBBBBBBB";
  private static final String GOOD = "sk-proj-CCCCCCCCCCCC";

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void aProbeWithABadKeyDoesNotStopLaterProbes() throws Exception {
    Queue<String> authorizations = new ConcurrentLinkedQueue<>();
    HttpServer upstream =
        GatewayHarness.upstream(
            vertx,
            req -> {
              authorizations.add(String.valueOf(req.getHeader("Authorization")));
              req.response().putHeader("content-type", "application/json").end("{\"data\":[]}");
            });
    RoutingTable.Provider p =
        provider(
            "hc",
            "http://127.0.0.1:" + upstream.actualPort() + "/v1",
            new RoutingTable.Timeouts(500L, 500L, 500L, null),
            null,
            null,
            new RoutingTable.HealthCheck(INTERVAL_MS, 500L, 1, 1),
            Map.of());
    ManualClock clock = new ManualClock();
    AtomicReference<String> key = new AtomicReference<>(BAD);
    AtomicInteger keyLookups = new AtomicInteger();
    HealthChecker checker =
        new HealthChecker(
            clock,
            new UpstreamClients(vertx),
            p,
            () -> null,
            name -> {
              keyLookups.incrementAndGet();
              return Optional.of(key.get());
            });
    try (LogCapture logs = LogCapture.of(Logger.ROOT_LOGGER_NAME, Level.DEBUG)) {
      vertx.runOnContext(v -> checker.start());
      await().atMost(Duration.ofSeconds(5)).until(() -> clock.pendingTimers() == 1);

      clock.advance(INTERVAL_MS);
      await().atMost(Duration.ofSeconds(5)).until(() -> keyLookups.get() >= 1);
      assertThat(authorizations).isEmpty();

      key.set(GOOD); // the Secret was fixed
      clock.advance(INTERVAL_MS);
      await().atMost(Duration.ofSeconds(5)).until(() -> authorizations.contains("Bearer " + GOOD));

      assertThat(logs.events())
          .noneMatch(
              e -> {
                StringBuilder line = new StringBuilder(e.getFormattedMessage());
                for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                  line.append(' ').append(t.getMessage());
                }
                return line.toString().contains("sk-proj-AAAA")
                    || line.toString().contains("sk-proj-BBBB");
              });
    } finally {
      vertx.runOnContext(v -> checker.stop());
    }
  }
}
