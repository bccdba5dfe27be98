package dev.switchboard.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway that is told to stop (SIGTERM in a pod) lets what is in flight finish: {@code /readyz}
 * turns 503 at once while requests are still served for the drain delay, then the public port
 * refuses new connections while a stream already running reaches {@code [DONE]}; a stream that
 * never ends is cut when the shutdown timeout runs out, and the shutdown completes. Both delays run
 * on a manual clock; the provider timeouts are far beyond what the tests advance it by, so only the
 * shutdown can end a stream here.
 */
class GracefulShutdownIT {

  private static final long DRAIN_MS = 10_000;
  private static final long TIMEOUT_MS = 60_000;

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  GatewayHarness gateway;

  void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-m"),
            GracefulShutdownIT::table,
            Map.of("mock", "sk-m"),
            o -> o.withDrainDelayMs(DRAIN_MS).withShutdownTimeoutMs(TIMEOUT_MS),
            clock);
  }

  static RoutingTable table(MockProvider mock) {
    // firstToken, total and streamIdle of 10 min: no gateway timeout ends a stream in these tests.
    RoutingTable.Timeouts long10min =
        new RoutingTable.Timeouts(5_000L, 600_000L, 600_000L, 600_000L);
    return TestTables.table(
        List.of(
            TestTables.provider(
                "mock", "openai-compatible", mock.baseUrl(), true, Map.of(), long10min)),
        List.of(
            TestTables.route("slow", List.of(), TestTables.target("mock", "slow-model", 0)),
            TestTables.route("quick", List.of(), TestTables.target("mock", "quick-model", 0)),
            TestTables.route("stalls", List.of(), TestTables.target("mock", "stall-model", 0))));
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void aStreamInFlightReachesDoneWhileTheReplicaDrainsAndStopsAccepting() throws Exception {
    start();
    // About 3 s of events: still running when the drain delay ends and the port closes.
    gateway.mock().faults().set("slow-model", "drip:200,tokens:15");
    Iterator<String> stream = openStream("slow");
    List<String> firstEvent = readDataEvents(stream, 1);
    assertThat(firstEvent).hasSize(1);

    Future<Void> shutdown = gateway.server().shutdown();

    HttpResponse<String> ready = gateway.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(GatewayHarness.json(ready.body()).path("reason").asText())
        .isEqualTo("shutting down");
    // Load balancers still send for a while: during the drain delay requests are served.
    HttpResponse<String> during =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("quick", false));
    assertThat(during.statusCode()).isEqualTo(200);
    // ... on a connection the client is told not to reuse, so its next request goes elsewhere.
    assertThat(during.headers().firstValue("connection")).hasValue("close");
    assertThat(shutdown.isComplete()).isFalse();

    clock.advance(DRAIN_MS);

    int port = gateway.server().port();
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(port));
    List<String> rest = new ArrayList<>();
    stream.forEachRemaining(rest::add);
    assertThat(rest).contains("data: [DONE]");
    assertThat(String.join("\n", rest)).doesNotContain("\"error\"");
    shutdown.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aStreamThatNeverEndsIsCutWhenTheShutdownTimeoutRunsOut() throws Exception {
    start();
    gateway.mock().faults().set("stall-model", "stall-after:2");
    Iterator<String> stream = openStream("stalls");
    assertThat(readDataEvents(stream, 2)).hasSize(2);

    Future<Void> shutdown = gateway.server().shutdown(0, TIMEOUT_MS);

    int port = gateway.server().port();
    await().atMost(Duration.ofSeconds(10)).until(() -> refused(port));
    // Stopped accepting, but the stream is still open: the shutdown waits for it.
    assertThat(shutdown.isComplete()).isFalse();

    clock.advance(TIMEOUT_MS);

    shutdown.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    List<String> rest = new ArrayList<>();
    try {
      stream.forEachRemaining(rest::add);
    } catch (UncheckedIOException cut) {
      // The connection was closed under a chunked body: how the JDK client reports it.
    }
    assertThat(rest).doesNotContain("data: [DONE]");
  }

  private Iterator<String> openStream(String model) throws Exception {
    HttpResponse<java.util.stream.Stream<String>> response =
        http.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat(model, true)))
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body().iterator();
  }

  /** Reads lines until {@code count} {@code data:} events have arrived (or the stream ended). */
  private static List<String> readDataEvents(Iterator<String> stream, int count) {
    List<String> events = new ArrayList<>();
    while (events.size() < count && stream.hasNext()) {
      String line = stream.next();
      if (line.startsWith("data: ")) {
        events.add(line);
      }
    }
    return events;
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
