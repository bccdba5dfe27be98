package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistral's reasoning models (Magistral) answer {@code content} as an array of chunks: {@code
 * thinking} chunks, then {@code text} ones. Bridged to the Messages and Responses doors the text
 * chunks are the answer; the thinking (the Mistral adapter's {@code reasoning_content}) is a
 * Responses reasoning item before it, and a Messages thinking block only for a client that asked
 * for thinking (not here).
 */
class MistralThinkingAnswerIT {

  static final String THINKING =
      "{\"type\":\"thinking\",\"thinking\":[{\"type\":\"text\",\"text\":\"Hmm, French.\"}]}";

  @TempDir Path dir;

  Vertx vertx;
  HttpServer mistral;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    mistral =
        GatewayHarness.upstream(
            vertx,
            (req, body) -> {
              if (body.toString(StandardCharsets.UTF_8).contains("\"stream\":true")) {
                String head =
                    "data: {\"id\":\"m1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"magistral-small-latest\",\"choices\":[{\"index\":0,"
                        + "\"delta\":";
                req.response()
                    .putHeader("content-type", "text/event-stream")
                    .end(
                        head
                            + "{\"role\":\"assistant\",\"content\":["
                            + THINKING
                            + "]},\"finish_reason\":null}]}\n\n"
                            + head
                            + "{\"content\":[{\"type\":\"text\",\"text\":\"Bonjour\"}]},"
                            + "\"finish_reason\":null}]}\n\n"
                            + head
                            + "{\"content\":\" !\"},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":7,\"total_tokens\":10,"
                            + "\"completion_tokens\":3,\"completion_tokens_details\":{\"reasoning_tokens\":2}}}\n\n"
                            + "data: [DONE]\n\n");
                return;
              }
              req.response()
                  .putHeader("content-type", "application/json")
                  .end(
                      "{\"id\":\"m1\",\"object\":\"chat.completion\",\"created\":1,"
                          + "\"model\":\"magistral-small-latest\",\"choices\":[{\"index\":0,"
                          + "\"message\":{\"role\":\"assistant\",\"content\":["
                          + THINKING
                          + ",{\"type\":\"text\",\"text\":\"Bonjour !\"}]},"
                          + "\"finish_reason\":\"stop\"}],"
                          + "\"usage\":{\"prompt_tokens\":7,\"total_tokens\":10,"
                          + "\"completion_tokens\":3,\"completion_tokens_details\":{\"reasoning_tokens\":2}}}");
            });
    gateway =
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
                        "magistral",
                        List.of(),
                        TestTables.target("mistral", "magistral-small", 0)))),
            Map.of("mistral", "sk-mistral"));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void theTextChunksOfAnArrayContentAreTheMessagesAnswer() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"magistral\",\"max_tokens\":64,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Salut\"}]}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(json(res.body()).path("content")).hasSize(1);
    assertThat(json(res.body()).at("/content/0/text").asText()).isEqualTo("Bonjour !");

    HttpResponse<String> stream =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"magistral\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Salut\"}]}");
    StringBuilder text = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(stream.body())) {
      text.append(json(e.data()).at("/delta/text").asText(""));
    }
    assertThat(text.toString()).isEqualTo("Bonjour !");
  }

  @Test
  void theTextChunksOfAnArrayContentAreTheResponsesAnswer() throws Exception {
    HttpResponse<String> res =
        gateway.post("/v1/responses", "{\"model\":\"magistral\",\"input\":\"Salut\"}");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    // The thinking chunks come first as a reasoning item (the Mistral adapter makes them
    // reasoning_content, which the Responses door answers as one); the text is the message after
    // it.
    assertThat(json(res.body()).at("/output/0/type").asText()).isEqualTo("reasoning");
    assertThat(json(res.body()).at("/output/0/content/0/text").asText()).isEqualTo("Hmm, French.");
    assertThat(json(res.body()).at("/output/1/type").asText()).isEqualTo("message");
    assertThat(json(res.body()).at("/output/1/content/0/text").asText()).isEqualTo("Bonjour !");

    HttpResponse<String> stream =
        gateway.post(
            "/v1/responses", "{\"model\":\"magistral\",\"input\":\"Salut\",\"stream\":true}");
    String done = null;
    StringBuilder deltas = new StringBuilder();
    for (SseEvent e : SseParser.parseAll(stream.body())) {
      if ("response.output_text.delta".equals(e.event())) {
        deltas.append(json(e.data()).path("delta").asText());
      } else if ("response.output_text.done".equals(e.event())) {
        done = json(e.data()).path("text").asText();
      }
    }
    assertThat(deltas.toString()).isEqualTo("Bonjour !");
    assertThat(done).isEqualTo("Bonjour !");
  }

  @Test
  void aBridgedResponseCountsTheReasoningTokensOfItsChatUsage() throws Exception {
    // The thinking is not the answer, but it is counted (completion_tokens_details).
    HttpResponse<String> res =
        gateway.post("/v1/responses", "{\"model\":\"magistral\",\"input\":\"Salut\"}");
    assertThat(json(res.body()).at("/usage/output_tokens_details/reasoning_tokens").asInt())
        .isEqualTo(2);
    assertThat(json(res.body()).at("/usage/output_tokens").asInt()).isEqualTo(3);

    HttpResponse<String> stream =
        gateway.post(
            "/v1/responses", "{\"model\":\"magistral\",\"input\":\"Salut\",\"stream\":true}");
    List<SseEvent> events = SseParser.parseAll(stream.body());
    SseEvent completed = events.get(events.size() - 1);
    assertThat(completed.event()).isEqualTo("response.completed");
    assertThat(
            json(completed.data())
                .at("/response/usage/output_tokens_details/reasoning_tokens")
                .asInt())
        .isEqualTo(2);
  }
}
