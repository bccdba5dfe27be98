package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream whose {@code model} and {@code system_fingerprint} cannot travel in a header (a line
 * break, non-ASCII): the answer is still delivered, the two informational headers are left out, and
 * nothing the upstream wrote becomes a header of its own.
 */
class UpstreamHeaderValuesIT {

  private static final String MODEL = "evil-1\r\nset-cookie: session=stolen";
  private static final String FINGERPRINT = "fp_é";

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    JsonObject answer =
        new JsonObject()
            .put("id", "chatcmpl-1")
            .put("object", "chat.completion")
            .put("created", 1)
            .put("model", MODEL)
            .put("system_fingerprint", FINGERPRINT)
            .put(
                "choices",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("index", 0)
                            .put(
                                "message",
                                new JsonObject()
                                    .put("role", "assistant")
                                    .put("content", "hi")
                                    .putNull("refusal"))
                            .putNull("logprobs")
                            .put("finish_reason", "stop")))
            .put(
                "usage",
                new JsonObject()
                    .put("prompt_tokens", 3)
                    .put("completion_tokens", 1)
                    .put("total_tokens", 4));
    upstream =
        GatewayHarness.upstream(
            vertx,
            req ->
                req.response().putHeader("content-type", "application/json").end(answer.encode()));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void valuesNoHeaderCanCarryAreLeftOutAndTheAnswerStillArrives() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "odd", "chat", "odd-model")) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false));

      assertThat(response.statusCode()).isEqualTo(200);
      // The body is the upstream's, byte for byte: the client still sees the model it reported.
      assertThat(GatewayHarness.json(response.body()).path("model").asText()).isEqualTo(MODEL);
      assertThat(response.headers().firstValue("x-switchboard-model-version")).isEmpty();
      assertThat(response.headers().firstValue("x-switchboard-system-fingerprint")).isEmpty();
      assertThat(response.headers().firstValue("set-cookie")).isEmpty();
      assertThat(response.headers().firstValue("x-switchboard-target-model")).contains("odd-model");
    }
  }
}
