package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several choices ({@code n > 1}) and the response cache: an answer is complete only when every
 * choice ended naturally, so one whose second choice hit the token limit is never stored.
 */
class CachedChoicesIT {

  @TempDir static Path dir;
  static Vertx vertx;
  static GatewayHarness gateway;
  static final AtomicInteger calls = new AtomicInteger();

  /** Two choices: the first stops, the second is cut at the token limit. */
  static final String TWO_CHOICES =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Short.\"},"
          + "\"finish_reason\":\"stop\",\"logprobs\":null},{\"index\":1,\"message\":{\"role\":"
          + "\"assistant\",\"content\":\"A much longer answer that was\"},\"finish_reason\":"
          + "\"length\",\"logprobs\":null}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":8,"
          + "\"total_tokens\":13}}";

  static final String TWO_CHOICE_STREAM =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Short.\"},"
          + "\"finish_reason\":null}]}\n\n"
          + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"A much\"},"
          + "\"finish_reason\":null}]}\n\n"
          + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
          + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
          + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":8,"
          + "\"total_tokens\":13}}\n\n"
          + "data: [DONE]\n\n";

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    HttpServer upstream =
        GatewayHarness.upstream(
            vertx,
            (req, body) -> {
              calls.incrementAndGet();
              if (body.toString().contains("\"stream\":true")) {
                req.response()
                    .putHeader("content-type", "text/event-stream")
                    .end(TWO_CHOICE_STREAM);
              } else {
                req.response().putHeader("content-type", "application/json").end(TWO_CHOICES);
              }
            });
    RoutingTable.Cache exact =
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null);
    gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(
                    TestTables.provider(
                        "raw", "http://127.0.0.1:" + upstream.actualPort() + "/v1", false)),
                List.of(TestTables.cachePolicy("exact", exact)),
                List.of(
                    TestTables.policyRoute("choices", "exact", TestTables.target("raw", "m", 0)))),
            Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void anAnswerWithATruncatedChoiceIsNotStored() throws Exception {
    String body =
        "{\"model\":\"choices\",\"n\":2,\"temperature\":0,\"max_tokens\":8,%s"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Two answers please\"}]}";
    for (String stream : new String[] {"", "\"stream\":true,"}) {
      int before = calls.get();
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> answer = gateway.post("/v1/chat/completions", body.formatted(stream));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"finish_reason\":\"length\"");
        assertThat(answer.headers().firstValue("x-switchboard-cache")).contains("miss");
      }
      assertThat(calls.get() - before).as(stream).isEqualTo(2);
    }
  }
}
