package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attempt's body is written for its target on a worker when the client's body is over {@link
 * ValidateStage#INLINE_PARSE_LIMIT} (writing megabytes of inline images on the event loop stalls
 * every request on it), and in place for a small body, the hot path. Real gateway, real upstream
 * HTTP server; the probe in {@link ExecuteStage#encode} records where each body was written.
 */
class LargeRequestEncodeOffLoopIT {

  private static final String ANSWER =
      "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m-1\",\"choices\":"
          + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
          + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,"
          + "\"total_tokens\":2}}";

  @TempDir Path dir;

  Vertx vertx;
  HttpServer upstream;
  final AtomicInteger largestBodySeen = new AtomicInteger();
  final List<Boolean> encodedOnLoop = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        GatewayHarness.upstream(
            vertx,
            (req, body) -> {
              largestBodySeen.accumulateAndGet(body.length(), Math::max);
              req.response().putHeader("content-type", "application/json").end(ANSWER);
            });
    ExecuteStage.encodeProbe = () -> encodedOnLoop.add(Context.isOnEventLoopThread());
  }

  @AfterEach
  void stop() throws Exception {
    ExecuteStage.encodeProbe = () -> {};
    Exchange.toChatProbe = () -> {};
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aLargeBodyIsWrittenForItsTargetOffTheLoopAndASmallOneInPlace() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "up", "chat", "m")) {
      HttpResponse<String> small =
          gateway.post("/v1/chat/completions", GatewayHarness.chat("chat", false));
      assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
      assertThat(encodedOnLoop).as("a small body: in place").containsExactly(true);

      encodedOnLoop.clear();
      String prompt = "x".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024);
      HttpResponse<String> large =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
                  + prompt
                  + "\"}]}");
      assertThat(large.statusCode()).as(large.body()).isEqualTo(200);
      assertThat(encodedOnLoop).as("a large body: on a worker").containsExactly(false);
      assertThat(largestBodySeen.get()).isGreaterThan(ValidateStage.INLINE_PARSE_LIMIT);
    }
  }

  /**
   * A large request of another front door (Messages, bridged to this chat target) has its chat form
   * made on the worker that parses it — copying megabytes of inline data into it would stall the
   * loop — and a small one's is made in place, when a stage first needs it.
   */
  @Test
  void aLargeMessagesRequestsChatFormIsMadeOffTheLoop() throws Exception {
    List<Boolean> madeOnLoop = new CopyOnWriteArrayList<>();
    Exchange.toChatProbe = () -> madeOnLoop.add(Context.isOnEventLoopThread());
    try (GatewayHarness gateway =
        GatewayHarness.oneRoute(vertx, dir, upstream, "up", "chat", "m")) {
      String small =
          "{\"model\":\"chat\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
              + "\"content\":\"hi\"}]}";
      HttpResponse<String> answer =
          gateway.post("/v1/messages", small, "anthropic-version", "2023-06-01");
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(madeOnLoop).as("a small body: in place").containsOnly(true);

      madeOnLoop.clear();
      String prompt = "x".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024);
      HttpResponse<String> large =
          gateway.post(
              "/v1/messages",
              "{\"model\":\"chat\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
                  + "\"content\":\""
                  + prompt
                  + "\"}]}",
              "anthropic-version",
              "2023-06-01");
      assertThat(large.statusCode()).as(large.body()).isEqualTo(200);
      assertThat(madeOnLoop)
          .as("a large body: on the worker that parsed it")
          .containsExactly(false);
      assertThat(largestBodySeen.get()).isGreaterThan(ValidateStage.INLINE_PARSE_LIMIT);
    }
  }
}
