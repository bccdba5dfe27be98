package dev.switchboard.gateway.frontdoor;

import static dev.switchboard.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Native Anthropic and Gemini answers carry no creation time; the chat completions the gateway
 * translates them into get theirs from the gateway clock (here a manual one, days away from the
 * real time), JSON and streamed alike.
 */
class TranslatedAnswerTimeIT {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static GatewayHarness gateway;
  static final ManualClock clock = new ManualClock(1_700_000_000_000L); // 2023-11-14T22:13:20Z

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    mock = MockProvider.startBlocking(vertx, new MockProviderOptions().keys("sk-ant", "sk-gem"));
    gateway =
        GatewayHarness.start(
            vertx,
            dir,
            TestTables.table(
                List.of(
                    TestTables.provider(
                        "claude", "anthropic", mock.baseUrl(), true, Map.of(), null),
                    TestTables.provider(
                        "gem", "gemini", mock.origin() + "/v1beta", true, Map.of(), null)),
                List.of(
                    TestTables.route(
                        "claude", List.of(), TestTables.target("claude", "claude-sonnet-4-5", 0)),
                    TestTables.route(
                        "gemini", List.of(), TestTables.target("gem", "gemini-2.5-flash", 0)))),
            Map.of("claude", "sk-ant", "gem", "sk-gem"),
            clock);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"claude", "gemini"})
  void translatedAnswersAreCreatedAtTheGatewayClocksTime(String route) throws Exception {
    long now = clock.currentTimeMillis() / 1000;
    HttpResponse<String> answer =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"" + route + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(json(answer.body()).path("created").asLong()).isEqualTo(now);

    HttpResponse<String> stream =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\""
                + route
                + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    List<SseEvent> events = SseParser.parseAll(stream.body());
    assertThat(events).hasSizeGreaterThan(1);
    for (SseEvent e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = json(e.data());
      assertThat(chunk.path("created").asLong()).as(e.data()).isEqualTo(now);
    }
  }
}
