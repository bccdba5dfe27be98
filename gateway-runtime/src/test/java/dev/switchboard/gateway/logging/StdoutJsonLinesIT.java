package dev.switchboard.gateway.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.GatewayMain;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13 finding 8: the gateway, run as it ships ({@link GatewayMain} with its logback
 * configuration, in a child JVM), writes only JSON objects to stdout, one per line, and clients
 * that go away (mid-stream, with a reset, mid-head, after garbage) are not reported as warnings.
 */
class StdoutJsonLinesIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  Vertx vertx;
  HttpServer endless;
  Process gateway;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    endless = GatewayHarness.endlessStream(vertx, () -> {});
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null && gateway.isAlive()) {
      gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void everyStdoutLineIsOneJsonObjectAndClientAbortsAreNoWarnings() throws Exception {
    Path routing = dir.resolve("routing.json");
    Files.write(
        routing,
        RoutingTableCodec.encode(
            TestTables.table(
                List.of(
                    TestTables.provider(
                        "endless", "http://127.0.0.1:" + endless.actualPort() + "/v1", false)),
                List.of(
                    TestTables.route(
                        "chat", List.of(), TestTables.target("endless", "endless", 0))))));
    Path keys = Files.createDirectories(dir.resolve("keys"));
    int port = freePort();
    Path stdout = dir.resolve("stdout.log");
    gateway =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                GatewayMain.class.getName(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--admin-port",
                Integer.toString(freePort()),
                "--header-read-timeout-ms",
                "300",
                "--routing-file",
                routing.toString(),
                "--keys-dir",
                keys.toString())
            .redirectOutput(stdout.toFile())
            .redirectError(dir.resolve("stderr.log").toFile())
            .start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    // Refused until the gateway's JVM listens: that is the one exception the wait gets past. A
    // gateway that exited ends it at once (its stderr.log says why), not after a minute.
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptionsInstanceOf(ConnectException.class)
        .until(
            () -> {
              if (!gateway.isAlive()) {
                throw new IllegalStateException(
                    "the gateway exited with " + gateway.exitValue() + " before it was ready");
              }
              return http.send(
                          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
            });

    String body = GatewayHarness.chat("chat", true);
    String streamRequest =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + body.getBytes(StandardCharsets.UTF_8).length
            + "\r\n\r\n"
            + body;
    for (int i = 0; i < 5; i++) {
      abortMidStream(port, streamRequest, true);
      abortMidStream(port, streamRequest, false);
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n".getBytes());
        s.setSoLinger(true, 0);
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream().write("\u0000\u0001 garbage\r\n\r\n".getBytes());
      }
      new Socket("127.0.0.1", port).close();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream()
            .write(
                ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                        + "{\"model\":")
                    .getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        Thread.sleep(20);
        s.setSoLinger(true, 0);
      }
    }
    // Ten cancelled streams are logged as request lines once the gateway has noticed each abort.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                Files.readAllLines(stdout).stream()
                        .filter(l -> l.contains("\"outcome\":\"cancelled\""))
                        .count()
                    >= 10);
    // Let the header-read timeouts of the idle connections fire too, then stop as Kubernetes does.
    Thread.sleep(500);
    gateway.destroy();
    assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();

    List<String> lines = Files.readAllLines(stdout);
    List<JsonNode> documents = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode doc = JSON.readTree(line);
      assertThat(doc.isObject()).as("not a JSON object: %s", line).isTrue();
      documents.add(doc);
    }
    assertThat(documents)
        .as("the startup message is a JSON log line")
        .anyMatch(
            d ->
                d.path("type").asText().equals("log")
                    && d.path("message").asText().contains("listening"));
    assertThat(documents)
        .as("client disconnects are expected, not warnings")
        .noneMatch(
            d ->
                d.path("type").asText().equals("log")
                    && (d.path("level").asText().equals("WARN")
                        || d.path("level").asText().equals("ERROR")));
  }

  /** Starts a stream, reads its first bytes, then goes away with a reset or a normal close. */
  private static void abortMidStream(int port, String request, boolean reset) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] first = new byte[512];
      int read = 0;
      while (read < first.length) {
        int n = in.read(first, read, first.length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      if (reset) {
        s.setSoLinger(true, 0);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
