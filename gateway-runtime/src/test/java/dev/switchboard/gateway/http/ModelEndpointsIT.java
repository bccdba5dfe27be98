package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/models} and {@code GET /v1/models/{model}} as OpenAI's SDKs call them. */
class ModelEndpointsIT {

  @TempDir static Path dir;

  static Vertx vertx;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(TestTables.provider("p", "http://127.0.0.1:9/v1", false)),
                List.of(
                    TestTables.route(
                        "llama",
                        List.of("meta-llama/Llama-3.1-8B-Instruct"),
                        TestTables.target("p", "m", 0)))),
            Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aModelIdWithASlashIsFoundSentRawAsTheOfficialSdksSendItOrEncoded() throws Exception {
    // The Python SDK puts the id into the path as it is; others encode the slash.
    for (String path :
        List.of(
            "/v1/models/meta-llama/Llama-3.1-8B-Instruct",
            "/v1/models/meta-llama%2FLlama-3.1-8B-Instruct")) {
      HttpResponse<String> res = gateway.get(path);

      assertThat(res.statusCode()).as(path + " " + res.body()).isEqualTo(200);
      JsonNode model = GatewayHarness.json(res.body());
      assertThat(model.path("id").asText()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
      assertThat(model.path("object").asText()).isEqualTo("model");
    }
  }

  @Test
  void anUnknownIdWithASlashIsStillModelNotFound() throws Exception {
    HttpResponse<String> res = gateway.get("/v1/models/meta-llama/Nope");

    assertThat(res.statusCode()).isEqualTo(404);
    JsonNode error = GatewayHarness.json(res.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("model_not_found");
    assertThat(error.path("message").asText()).contains("meta-llama/Nope");
  }
}
