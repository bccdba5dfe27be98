package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stream commits to its target when its first event reaches the client, not at the first event
 * the upstream sends: events the gateway does not relay (Gemini's usage-only chunk, Anthropic's
 * {@code ping} bridged to a chat client) leave the attempt open, so a failure right after them
 * still fails over to the next target instead of ending the client's stream with an error event.
 */
class StreamCommitIT {

  static final String OPENAI_CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"good-1\","
          + "\"choices\":[{\"index\":0,\"delta\":";

  static final String GEMINI_USAGE_ONLY =
      "data: {\"usageMetadata\":{\"promptTokenCount\":5,\"totalTokenCount\":5},"
          + "\"modelVersion\":\"gem-1\"}\r\n\r\n";

  @TempDir static Path dir;
  static Vertx vertx;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    HttpServer upstream = GatewayHarness.upstream(vertx, req -> answer(req.path(), req.response()));
    String origin = "http://127.0.0.1:" + upstream.actualPort();
    RoutingTable table =
        TestTables.table(
            List.of(
                TestTables.provider("gem", "gemini", origin + "/v1beta", false, Map.of(), null),
                TestTables.provider("claude", "anthropic", origin + "/v1", false, Map.of(), null),
                TestTables.provider("good", origin + "/v1", false)),
            List.of(
                policyRoute(
                    "gemini-usage-then-reset",
                    null,
                    target("gem", "gem-cut", 0),
                    target("good", "good-1", 1)),
                policyRoute(
                    "anthropic-ping-then-reset",
                    null,
                    target("claude", "claude-cut", 0),
                    target("good", "good-1", 1)),
                policyRoute(
                    "gemini-usage-then-answer",
                    null,
                    target("gem", "gem-whole", 0),
                    target("good", "good-1", 1))));
    gateway = GatewayHarness.start(vertx, dir, table, Map.of());
  }

  /** Gemini and Anthropic targets that send one event the client never sees, then reset. */
  static void answer(String path, HttpServerResponse res) {
    res.setChunked(true).putHeader("content-type", "text/event-stream");
    if (path.contains("gem-cut")) {
      res.write(GEMINI_USAGE_ONLY).onComplete(written -> res.reset());
    } else if (path.contains("gem-whole")) {
      res.write(GEMINI_USAGE_ONLY);
      res.end(
          "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}],\"role\":\"model\"},"
              + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,"
              + "\"candidatesTokenCount\":1,\"totalTokenCount\":6},\"modelVersion\":\"gem-1\"}"
              + "\r\n\r\n");
    } else if (path.endsWith("/messages")) {
      res.write("event: ping\ndata: {\"type\":\"ping\"}\n\n").onComplete(written -> res.reset());
    } else {
      res.end(
          OPENAI_CHUNK
              + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n"
              + OPENAI_CHUNK
              + "{},\"finish_reason\":\"stop\"}]}\n\n"
              + "data: [DONE]\n\n");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @ParameterizedTest
  @ValueSource(strings = {"gemini-usage-then-reset", "anthropic-ping-then-reset"})
  void aFailureBeforeAnythingReachedTheClientFailsOver(String route) throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", GatewayHarness.chat(route, true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-switchboard-provider")).hasValue("good");
    assertThat(response.headers().firstValue("x-switchboard-attempts")).hasValue("2");
    assertThat(GatewayProxyIT.sseData(response.body())).hasSize(3).last().isEqualTo("[DONE]");
    assertThat(response.body()).doesNotContain("\"error\"");
  }

  @Test
  void eventsHeldBeforeTheFirstChunkStillCountOnceTheStreamCommits() throws Exception {
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"gemini-usage-then-answer\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-switchboard-provider")).hasValue("gem");
    assertThat(response.headers().firstValue("x-switchboard-model-version")).hasValue("gem-1");
    List<String> events = GatewayProxyIT.sseData(response.body());
    assertThat(events).last().isEqualTo("[DONE]");
    assertThat(response.body()).contains("\"content\":\"hi\"").doesNotContain("\"error\"");
    assertThat(
            GatewayHarness.json(events.get(events.size() - 2))
                .path("usage")
                .path("total_tokens")
                .asInt())
        .isEqualTo(6);
  }
}
