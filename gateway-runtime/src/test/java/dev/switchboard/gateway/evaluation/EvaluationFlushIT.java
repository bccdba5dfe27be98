package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Future;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica that stops gracefully (a rolling restart) keeps its admin port up until the operator
 * has read every evaluation pair it counted — its sums start from zero in the next instance, so the
 * pairs since its last report used to be lost — within the shutdown timeout, on the gateway clock;
 * with nothing unreported it stops at once. It waits only while an operator reads it (a read within
 * {@link EvaluationRecorder#READER_GONE_AFTER_MS}): without one it used to wait out its whole
 * timeout for a read that never came.
 */
class EvaluationFlushIT {

  static final long TIMEOUT_MS = 60_000;

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-t")
                .models("base", "cand")
                .persona("base", 1.0, 0.0)
                .persona("cand", 1.2, 0.0),
            EvaluationFlushIT::table,
            Map.of("mock", "sk-t"),
            o -> o.withDrainDelayMs(0).withShutdownTimeoutMs(TIMEOUT_MS),
            clock);
  }

  static RoutingTable table(MockProvider mock) {
    RoutingTable.Route chat =
        new RoutingTable.Route(
                "chat",
                "chat",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1", List.of(target("mock", "cand", 0)), 1.0, null, null, "mock/base"));
    return TestTables.table(List.of(provider("mock", mock.baseUrl(), true)), List.of(chat));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void pairsCountedSinceTheLastReportAreReadBeforeTheReplicaStops() throws Exception {
    ask(2);
    // The operator's collection: it has these two.
    assertThat(reported().path("requests").asLong()).isEqualTo(2);
    ask(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> recorded() == 3);

    Future<Void> shutdown = gateway.server().shutdown();
    int port = gateway.server().port();
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(port));

    // The public port is closed, the clock has not moved: the replica waits for the next read.
    assertThat(shutdown.isComplete()).isFalse();
    assertThat(reported().path("requests").asLong()).isEqualTo(3);
    shutdown.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aReadingOperatorIsWaitedForNoLongerThanTheShutdownTimeout() throws Exception {
    ask(1);
    assertThat(reported().path("requests").asLong()).isEqualTo(1); // an operator reads
    ask(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> recorded() == 2);

    // A timeout shorter than the time the operator's next read may take to come.
    Future<Void> shutdown = gateway.server().shutdown(0, 20_000);
    int port = gateway.server().port();
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(port));
    clock.advance(19_000);
    assertThat(shutdown.isComplete()).isFalse();

    clock.advance(1_000);

    shutdown.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * An evaluation no operator reads (the operator is down, or the replica's table came from
   * elsewhere): no read will come, so the replica stops at once instead of waiting out its whole
   * timeout with its admin port up.
   */
  @Test
  void withoutAnyReadSinceItStartedTheReplicaStopsAtOnce() throws Exception {
    ask(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> recorded() == 1);
    // A collection and a half since the replica started, and no operator has read it.
    clock.advance(EvaluationRecorder.READER_GONE_AFTER_MS);

    // The clock no longer moves: only a shutdown that does not wait completes.
    gateway.server().shutdown().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(gateway.server().evaluations().unreportedRecords())
        .as("lost, and said so in the log")
        .isEqualTo(1);
  }

  /**
   * A replica younger than one collection may not have been read yet only because the operator
   * finds it at its next collection: it waits for that read as long as one is due.
   */
  @Test
  void aReplicaNotYetReadSoonAfterItStartedWaitsForItsFirstRead() throws Exception {
    ask(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> recorded() == 1);

    Future<Void> shutdown = gateway.server().shutdown();
    int port = gateway.server().port();
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(port));
    assertThat(shutdown.isComplete()).as("the operator's first read may still come").isFalse();

    assertThat(reported().path("requests").asLong()).isEqualTo(1); // it comes

    shutdown.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void withoutARecentReadTheReplicaStopsAtOnce() throws Exception {
    ask(1);
    assertThat(reported().path("requests").asLong()).isEqualTo(1);
    ask(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> recorded() == 2);
    // The operator's next read was due long ago: it stopped reading this replica.
    clock.advance(EvaluationRecorder.READER_GONE_AFTER_MS);

    gateway.server().shutdown().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anOperatorThatStopsReadingIsWaitedForOnlyUntilItsNextReadWasDue() throws Exception {
    ask(1);
    assertThat(reported().path("requests").asLong()).isEqualTo(1);
    ask(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> recorded() == 2);
    clock.advance(10_000);

    Future<Void> shutdown = gateway.server().shutdown(); // 60 s: until 70 s after the read
    int port = gateway.server().port();
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(port));
    clock.advance(EvaluationRecorder.READER_GONE_AFTER_MS - 10_000 - 1);
    assertThat(shutdown.isComplete()).as("the operator may still read").isFalse();

    clock.advance(1);

    shutdown.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void withEverythingReadTheReplicaStopsAtOnce() throws Exception {
    ask(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> recorded() == 1);
    assertThat(reported().path("requests").asLong()).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> gateway.server().evaluations().unreportedRecords() == 0);

    gateway.server().shutdown().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void ask(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      assertThat(
              gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false)).statusCode())
          .isEqualTo(200);
    }
  }

  /** What the replica counted (read in-process: not a report the operator received). */
  private long recorded() {
    JsonNode doc = gateway.server().evaluations().snapshot();
    for (JsonNode c : doc.path("candidates")) {
      if ("mock/cand".equals(c.path("target").asText())) {
        return c.path("requests").asLong();
      }
    }
    return 0;
  }

  /** The operator's read of the admin port. */
  private JsonNode reported() throws Exception {
    JsonNode doc = GatewayHarness.JSON.readTree(gateway.admin("/admin/evaluations").body());
    for (JsonNode c : doc.path("candidates")) {
      if ("mock/cand".equals(c.path("target").asText())) {
        return c;
      }
    }
    return GatewayHarness.JSON.createObjectNode();
  }

  private static boolean refused(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
