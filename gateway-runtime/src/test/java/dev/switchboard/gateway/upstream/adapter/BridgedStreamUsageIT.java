package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chat streams bridged from Anthropic and Gemini carry the usage as OpenAI's {@code
 * stream_options.include_usage} says: in a chunk of its own, {@code choices: []}, just before
 * {@code [DONE]}, and not on the finishing chunk; none when the client did not ask, while the
 * gateway still counts the tokens. A cached stream replays the same way, and the Messages door,
 * which reads a bridged chat stream, still reports the usage.
 */
class BridgedStreamUsageIT {

  @TempDir static Path dir;

  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-ant", "sk-gem"),
            mock ->
                TestTables.table(
                    List.of(
                        provider("ant", "anthropic", mock.baseUrl(), true, Map.of(), null),
                        provider("gem", "gemini", mock.origin() + "/v1beta", true, Map.of(), null)),
                    List.of(
                        cachePolicy(
                            "exact",
                            new RoutingTable.Cache(
                                true, 600_000L, 1000, false, null, null, null, null, 0.3, null,
                                null))),
                    List.of(
                        policyRoute("claude", null, target("ant", "claude-x", 0)),
                        policyRoute("gem", null, target("gem", "gemini-2.0-flash", 0)),
                        policyRoute("claude-cached", "exact", target("ant", "claude-y", 0)))),
            Map.of("ant", "sk-ant", "gem", "sk-gem"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static String chatStream(String model, boolean includeUsage) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":true"
        + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
        + ",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"three small words\"}]}";
  }

  /** The chunks of a chat stream that ended with {@code [DONE]}. */
  static List<JsonNode> chunks(HttpResponse<String> res) throws Exception {
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    List<SseEvent> events = SseParser.parseAll(res.body());
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    List<JsonNode> chunks = new ArrayList<>();
    for (SseEvent e : events.subList(0, events.size() - 1)) {
      chunks.add(GatewayHarness.json(e.data()));
    }
    return chunks;
  }

  /** The chunks end with OpenAI's usage chunk, and no other chunk carries usage. */
  static void endsWithItsOwnUsageChunk(List<JsonNode> chunks) {
    JsonNode usage = chunks.get(chunks.size() - 1);
    assertThat(usage.path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(usage.path("choices").isArray()).isTrue();
    assertThat(usage.path("choices")).isEmpty();
    assertThat(usage.at("/usage/completion_tokens").asInt()).isPositive();
    assertThat(usage.at("/usage/prompt_tokens").asInt()).isPositive();
    List<JsonNode> rest = chunks.subList(0, chunks.size() - 1);
    assertThat(rest).allSatisfy(c -> assertThat(c.has("usage")).as(c.toString()).isFalse());
    assertThat(rest.get(rest.size() - 1).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
  }

  @ParameterizedTest
  @ValueSource(strings = {"claude", "gem"})
  void aClientThatAskedForUsageGetsItInAChunkOfItsOwnBeforeDone(String model) throws Exception {
    endsWithItsOwnUsageChunk(chunks(gateway.post("/v1/chat/completions", chatStream(model, true))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"claude", "gem"})
  void aClientThatDidNotAskGetsNoUsageWhileTheGatewayCountsIt(String model) throws Exception {
    List<JsonNode> chunks = chunks(gateway.post("/v1/chat/completions", chatStream(model, false)));

    assertThat(chunks).allSatisfy(c -> assertThat(c.has("usage")).as(c.toString()).isFalse());
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(gateway.server().metrics().scrape())
                    .contains("gen_ai_token_type=\"output\"")
                    .contains("route=\"" + model + "\""));
  }

  @Test
  void aCachedStreamReplaysTheUsageChunkToo() throws Exception {
    HttpResponse<String> miss =
        gateway.post("/v1/chat/completions", chatStream("claude-cached", true));
    HttpResponse<String> hit =
        gateway.post("/v1/chat/completions", chatStream("claude-cached", true));

    assertThat(hit.headers().firstValue("x-switchboard-cache")).contains("hit");
    endsWithItsOwnUsageChunk(chunks(miss));
    endsWithItsOwnUsageChunk(chunks(hit));
  }

  @Test
  void aMessagesClientOfABridgedStreamStillGetsTheUsage() throws Exception {
    HttpResponse<String> res =
        gateway.post(
            "/v1/messages",
            "{\"model\":\"gem\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"three small words\"}]}");

    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    List<SseEvent> events = SseParser.parseAll(res.body());
    assertThat(events.stream().map(SseEvent::event)).endsWith("message_delta", "message_stop");
    JsonNode delta = GatewayHarness.json(events.get(events.size() - 2).data());
    assertThat(delta.at("/usage/output_tokens").asInt()).isPositive();
  }
}
