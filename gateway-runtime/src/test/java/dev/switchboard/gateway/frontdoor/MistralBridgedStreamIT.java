package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bridged stream to a Mistral target: Mistral refuses fields it does not know, {@code
 * stream_options} among them (422), and reports usage in its last chunk unasked. The {@code
 * stream_options} a front door's translation added for its own usage must therefore not reach it,
 * as the ones the gateway adds to a chat client's body do not.
 */
class MistralBridgedStreamIT {

  @TempDir Path dir;

  Vertx vertx;
  HttpServer mistral;
  final AtomicReference<String> sent = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    mistral =
        GatewayHarness.upstream(
            vertx,
            (req, body) -> {
              String text = body.toString(StandardCharsets.UTF_8);
              sent.set(text);
              if (text.contains("\"stream_options\"")) {
                // What Mistral answers an extra field.
                req.response()
                    .setStatusCode(422)
                    .putHeader("content-type", "application/json")
                    .end(
                        "{\"object\":\"error\",\"message\":{\"detail\":[{\"type\":"
                            + "\"extra_forbidden\",\"loc\":[\"body\",\"stream_options\"],"
                            + "\"msg\":\"Extra inputs are not permitted\"}]},"
                            + "\"type\":\"invalid_request_message_error\",\"param\":null,"
                            + "\"code\":null}");
                return;
              }
              String head =
                  "data: {\"id\":\"m1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                      + "\"model\":\"mistral-small-latest\",\"choices\":[{\"index\":0,\"delta\":";
              req.response()
                  .putHeader("content-type", "text/event-stream")
                  .end(
                      head
                          + "{\"role\":\"assistant\",\"content\":\"Bonjour\"},"
                          + "\"finish_reason\":null}]}\n\n"
                          + head
                          + "{\"content\":\" !\"},\"finish_reason\":\"stop\"}],"
                          + "\"usage\":{\"prompt_tokens\":7,\"total_tokens\":10,"
                          + "\"completion_tokens\":3}}\n\n"
                          + "data: [DONE]\n\n");
            });
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aMessagesStreamBridgedToMistralIsServedWithItsUsage() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(
                    TestTables.provider(
                        "mistral",
                        "mistral",
                        "http://127.0.0.1:" + mistral.actualPort() + "/v1",
                        true,
                        Map.of(),
                        null)),
                List.of(
                    TestTables.route(
                        "small", List.of(), TestTables.target("mistral", "mistral-small", 0)))),
            Map.of("mistral", "sk-mistral"))) {
      HttpResponse<String> res =
          gateway.post(
              "/v1/messages",
              "{\"model\":\"small\",\"max_tokens\":64,\"stream\":true,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"Salut\"}]}");

      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      assertThat(json(sent.get()).has("stream_options")).isFalse();
      List<SseEvent> events = SseParser.parseAll(res.body());
      assertThat(events.stream().map(SseEvent::event))
          .startsWith("message_start")
          .endsWith("message_delta", "message_stop");
      StringBuilder text = new StringBuilder();
      for (SseEvent e : events) {
        text.append(json(e.data()).at("/delta/text").asText(""));
      }
      assertThat(text.toString()).isEqualTo("Bonjour !");
      JsonNode delta = json(events.get(events.size() - 2).data());
      assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
      assertThat(delta.at("/usage/output_tokens").asInt()).isEqualTo(3);
      assertThat(delta.at("/usage/input_tokens").asInt()).isEqualTo(7);
    }
  }
}
