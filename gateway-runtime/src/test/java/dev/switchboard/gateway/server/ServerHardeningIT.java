package dev.switchboard.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #13 findings 3, 4 and 6 on real loopback sockets: admin surfaces only on the admin port,
 * header-read and keep-alive idle timeouts, the connection cap, and 400-and-close for requests
 * carrying both Content-Length and Transfer-Encoding. Timeouts are configured short; nothing here
 * asserts a duration, only that a connection is closed eventually and others are served meanwhile.
 */
class ServerHardeningIT {

  @TempDir Path dir;

  Vertx vertx;
  final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private GatewayHarness gateway(UnaryOperator<GatewayOptions> tune) throws Exception {
    return GatewayHarness.start(
        vertx,
        dir,
        TestTables.table(
            List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
            List.of(TestTables.route("chat", List.of(), TestTables.target("p", "m", 0)))),
        Map.of(),
        tune);
  }

  @Test
  void adminSurfacesAnswerOnlyOnTheAdminPort() throws Exception {
    try (GatewayHarness gateway = gateway(o -> o)) {
      for (String path : List.of("/metrics", "/admin/config")) {
        var publicAnswer = gateway.get(path);
        assertThat(publicAnswer.statusCode()).as(path).isEqualTo(404);
        JsonNode error = GatewayHarness.json(publicAnswer.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("unknown_url");
        assertThat(publicAnswer.body()).doesNotContain("127.0.0.1:9");
      }
      assertThat(gateway.admin("/metrics").body()).contains("switchboard_config_loaded 1");
      assertThat(gateway.admin("/admin/config").body()).contains("http://127.0.0.1:9/v1");
      // The public port keeps what applications need; the admin port serves nothing else.
      assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(gateway.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(gateway.get("/v1/switchboard/stats").statusCode()).isEqualTo(200);
      assertThat(gateway.get("/v1/models").statusCode()).isEqualTo(200);
      var adminModels = gateway.admin("/v1/models");
      assertThat(adminModels.statusCode()).isEqualTo(404);
      assertThat(GatewayHarness.json(adminModels.body()).path("error").path("code").asText())
          .isEqualTo("unknown_url");
    }
  }

  @Test
  void slowHeadersAreClosedWhileOtherClientsAreServed() throws Exception {
    ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
    try (GatewayHarness gateway = gateway(o -> o.withHeaderReadTimeoutMs(500))) {
      List<Socket> slow = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Socket s = open(gateway.server().port());
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes());
        slow.add(s);
      }
      // Slowloris: one more header byte per connection every 100 ms, never the end of the head.
      drip.scheduleAtFixedRate(
          () -> {
            for (Socket s : slow) {
              try {
                s.getOutputStream().write('a');
              } catch (IOException closed) {
                // The gateway has closed it: what the test waits for.
              }
            }
          },
          0,
          100,
          TimeUnit.MILLISECONDS);
      for (int i = 0; i < 5; i++) {
        assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> slow.stream().allMatch(ServerHardeningIT::closedByPeer));
      assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(gateway.admin("/metrics").body())
          .contains(
              "switchboard_server_connections_closed_total{port=\"public\",reason=\"header_timeout\"}"
                  + " 200.0");
    } finally {
      drip.shutdownNow();
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedButABusyOneIsNot() throws Exception {
    try (GatewayHarness gateway = gateway(o -> o.withIdleTimeoutMs(300))) {
      Socket s = open(gateway.server().port());
      s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
      await().atMost(Duration.ofSeconds(10)).until(() -> closedByPeer(s));
      assertThat(gateway.admin("/metrics").body())
          .contains(
              "switchboard_server_connections_closed_total{port=\"public\",reason=\"idle_timeout\"}"
                  + " 1.0");
    }
  }

  @Test
  void connectionsAboveTheCapAreClosedAndTheCapFreesUp() throws Exception {
    try (GatewayHarness gateway = gateway(o -> o.withMaxConnections(5))) {
      List<Socket> held = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        held.add(open(gateway.server().port()));
      }
      // connect() returns once the kernel accepted; wait until the gateway has counted them.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  gateway
                      .admin("/metrics")
                      .body()
                      .contains("switchboard_server_connections_open{port=\"public\"} 5.0"));
      Socket extra = open(gateway.server().port());
      await().atMost(Duration.ofSeconds(10)).until(() -> closedByPeer(extra));
      assertThat(held).noneMatch(ServerHardeningIT::closedByPeer);
      assertThat(gateway.admin("/metrics").body())
          .contains(
              "switchboard_server_connections_closed_total{port=\"public\",reason=\"over_limit\"}"
                  + " 1.0");
      held.get(0).close();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200));
    }
  }

  @Test
  void livenessAnswersOnTheAdminPortWhileThePublicPortIsFull() throws Exception {
    try (GatewayHarness gateway =
        gateway(o -> o.withMaxConnections(1).withHeaderReadTimeoutMs(60_000))) {
      Socket held = open(gateway.server().port());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  gateway
                      .admin("/metrics")
                      .body()
                      .contains("switchboard_server_connections_open{port=\"public\"} 1.0"));
      // A probe on the public port is closed like any connection above the cap: a replica busy
      // with long streams would fail liveness there and be restarted, streams and all.
      Socket publicProbe = open(gateway.server().port());
      await().atMost(Duration.ofSeconds(10)).until(() -> closedByPeer(publicProbe));

      var liveness = gateway.admin("/healthz");

      assertThat(liveness.statusCode()).isEqualTo(200);
      assertThat(GatewayHarness.json(liveness.body()).path("status").asText()).isEqualTo("ok");
      assertThat(closedByPeer(held)).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Content-Length: 5\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: chunked\r\nContent-Length: 5",
        "Content-Length: 5\r\nTransfer-Encoding: gzip"
      })
  void contentLengthWithTransferEncodingIsRejectedAndTheConnectionClosed(String framing)
      throws Exception {
    try (GatewayHarness gateway = gateway(o -> o)) {
      Socket s = open(gateway.server().port());
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + framing
                      + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String answer = readToEnd(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 400");
      assertThat(answer.toLowerCase()).contains("connection: close");
      JsonNode error =
          GatewayHarness.json(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText()).contains("Content-Length and Transfer-Encoding");
    }
  }

  private Socket open(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    sockets.add(s);
    return s;
  }

  /** True once the peer has closed or reset the connection; waits at most 20 ms to find out. */
  private static boolean closedByPeer(Socket s) {
    try {
      s.setSoTimeout(20);
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (!out.toString(StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      out.write(b);
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  /** Everything until the gateway closes; fails (times out) if it keeps the connection open. */
  private static String readToEnd(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
