package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.pipeline.ValidateStage;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.security.KeyScrubber;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A non-streamed answer larger than {@link ValidateStage#INLINE_PARSE_LIMIT} (an embeddings batch,
 * a very long completion) is copied, key-scrubbed, parsed and translated on a worker, not on the
 * event loop that serves every other request; an ordinary answer, the hot path, stays on the loop.
 * Either way the answer reaches the caller intact and without the provider key. One event loop, the
 * real mock provider over loopback HTTP.
 */
class LargeAnswerOffLoopTest {

  private static final String KEY = "sk-proj-Zx9QrT7mWv2LpK8sNb4YhGc6JdF1eAu3";

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  private final ManualClock clock = new ManualClock();
  private final UpstreamClients clients = new UpstreamClients(vertx);

  /** Per decoded answer: whether it was decoded on an event loop thread. */
  private final List<Boolean> decodedOnLoop = new CopyOnWriteArrayList<>();

  private final UpstreamCaller caller =
      new UpstreamCaller(clock, clients)
          .decodeProbe(() -> decodedOnLoop.add(Context.isOnEventLoopThread()));

  private final Context context = vertx.getOrCreateContext();
  private final MockProvider mock =
      MockProvider.startBlocking(vertx, new MockProviderOptions().keys(KEY));

  @AfterEach
  void close() throws Exception {
    clients.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private PlannedTarget target(String kind, String model) {
    return new PlannedTarget(
        TestTables.target("p", model, 0),
        TestTables.provider(
            "p",
            kind,
            "gemini".equals(kind) ? mock.origin() + "/v1beta" : mock.baseUrl(),
            true,
            Map.of(),
            null),
        PlannedTarget.STABLE);
  }

  /** {@code request} sent to {@code pt} from the event loop, as the gateway sends it. */
  private JsonReply call(PlannedTarget pt, Operation op, ObjectNode request) throws Exception {
    Promise<JsonReply> reply = Promise.promise();
    context.runOnContext(
        v ->
            caller
                .callJson(
                    pt,
                    op,
                    UpstreamAdapters.forProvider(pt.provider())
                        .encodeRequest(request, pt, op, false),
                    new RequestContext("req", op, clock),
                    Optional.of(KEY),
                    request)
                .onComplete(reply));
    return reply.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static ObjectNode chat(String model, int n) {
    ObjectNode chat = GatewayHarness.JSON.createObjectNode().put("model", model).put("n", n);
    chat.putArray("messages")
        .addObject()
        .put("role", "user")
        .put("content", "Tell me everything about the lighthouse keepers of the northern coast");
    return chat;
  }

  /** The mock's own answer to {@code chat}, asked directly (no gateway, no echo of the key). */
  private JsonNode direct(ObjectNode chat, String fault) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(mock.baseUrl() + "/chat/completions"))
                    .header("authorization", "Bearer " + KEY)
                    .header("content-type", "application/json")
                    .header("x-mock-fault", fault)
                    .POST(HttpRequest.BodyPublishers.ofString(chat.toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return GatewayHarness.json(r.body());
  }

  @Test
  void aLargeAnswerIsDecodedOnAWorkerAndRelayedIntactWithoutTheKey() throws Exception {
    // Two choices: the first echoes the key, the second is 100,000 words long (~600 kB).
    mock.faults().set("*", "tokens:100000,echo-auth");
    ObjectNode chat = chat("m", 2);

    JsonReply reply = call(target("openai-compatible", "m"), Operation.CHAT_COMPLETIONS, chat);

    assertThat(reply.body().length()).isGreaterThan(ValidateStage.INLINE_PARSE_LIMIT);
    assertThat(decodedOnLoop).containsExactly(false);
    String body = reply.body().toString();
    assertThat(body).doesNotContain(KEY).doesNotContain(KEY.substring(0, 12));
    JsonNode answer = GatewayHarness.json(body);
    assertThat(answer.path("choices").path(0).path("message").path("content").asText())
        .isEqualTo("You called me with Authorization: Bearer " + KeyScrubber.MARKER);
    JsonNode direct = direct(chat, "tokens:100000");
    assertThat(answer.path("choices").path(1)).isEqualTo(direct.path("choices").path(1));
    assertThat(answer.path("usage")).isEqualTo(direct.path("usage"));
    assertThat(reply.summary().finishReason()).isEqualTo("stop");
    assertThat(reply.summary().usage().outputTokens())
        .isEqualTo(direct.path("usage").path("completion_tokens").asLong())
        .isGreaterThanOrEqualTo(100_000);
  }

  @Test
  void anOrdinaryAnswerIsDecodedOnTheEventLoop() throws Exception {
    mock.faults().set("*", "echo-auth");

    JsonReply reply =
        call(target("openai-compatible", "m"), Operation.CHAT_COMPLETIONS, chat("m", 1));

    assertThat(decodedOnLoop).containsExactly(true);
    assertThat(reply.body().toString())
        .doesNotContain(KEY)
        .contains("You called me with Authorization: Bearer " + KeyScrubber.MARKER);
  }

  /** Gemini's batch answer, parsed once and translated to OpenAI's embeddings list, on a worker. */
  @Test
  void aLargeGeminiEmbeddingsBatchIsTranslatedOnAWorker() throws Exception {
    ObjectNode embeddings =
        GatewayHarness.JSON
            .createObjectNode()
            .put("model", "text-embedding-004")
            .put("dimensions", 768);
    ArrayNode input = embeddings.putArray("input");
    for (int i = 0; i < 200; i++) {
      input.add("lighthouse keeper number " + i + " writes in the log");
    }

    JsonReply reply =
        call(target("gemini", "text-embedding-004"), Operation.EMBEDDINGS, embeddings);

    assertThat(decodedOnLoop).containsExactly(false);
    JsonNode list = GatewayHarness.json(reply.body().toString());
    assertThat(list.path("object").asText()).isEqualTo("list");
    assertThat(list.path("data")).hasSize(200);
    for (int i = 0; i < 200; i++) {
      JsonNode item = list.path("data").path(i);
      assertThat(item.path("index").asInt()).isEqualTo(i);
      assertThat(item.path("embedding")).hasSize(768);
    }
  }
}
