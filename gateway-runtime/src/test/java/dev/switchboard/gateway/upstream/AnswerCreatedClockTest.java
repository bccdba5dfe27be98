package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.pipeline.AnswerStage;
import dev.switchboard.gateway.pipeline.Exchange;
import dev.switchboard.gateway.pipeline.Pipeline;
import dev.switchboard.gateway.pipeline.Stage;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A JSON answer's {@code created} comes from the gateway clock only where the gateway writes the
 * answer itself (a native Anthropic or Gemini answer translated into a chat completion, which has
 * none of its own); an OpenAI-format answer carries the provider's {@code created} and is passed
 * through without reading the wall clock. The same holds for streams: an OpenAI stream's decoder
 * never reads it, a translating one reads it once. Against the real mock provider over loopback
 * HTTP.
 */
class AnswerCreatedClockTest {

  private static final long NOW_MS = 1_700_000_000_000L; // 2023-11-14T22:13:20Z, not today

  private final Vertx vertx = Vertx.vertx();
  private final WallClockReads clock = new WallClockReads(new ManualClock(NOW_MS));
  private final UpstreamClients clients = new UpstreamClients(vertx);
  private final UpstreamCaller caller = new UpstreamCaller(clock, clients);
  private final Context context = vertx.getOrCreateContext();
  private final MockProvider mock =
      MockProvider.startBlocking(vertx, new MockProviderOptions().keys("sk-mock"));

  @AfterEach
  void close() throws Exception {
    clients.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The test's manual clock, counting the reads of its wall time. */
  static final class WallClockReads implements GatewayClock {
    private final ManualClock clock;
    final AtomicInteger reads = new AtomicInteger();

    WallClockReads(ManualClock clock) {
      this.clock = clock;
    }

    @Override
    public long currentTimeMillis() {
      reads.incrementAndGet();
      return clock.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
      return clock.nanoTime();
    }

    @Override
    public long setTimer(long delayMs, Handler<Long> handler) {
      return clock.setTimer(delayMs, handler);
    }

    @Override
    public long setPeriodic(long periodMs, Handler<Long> handler) {
      return clock.setPeriodic(periodMs, handler);
    }

    @Override
    public boolean cancelTimer(long id) {
      return clock.cancelTimer(id);
    }
  }

  private PlannedTarget target(String kind, String model) {
    return new PlannedTarget(
        TestTables.target("p", model, 0),
        TestTables.provider("p", kind, mock.baseUrl(), true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  /** A chat request answered by {@code pt}, on the event loop as the gateway makes it. */
  private JsonNode answer(PlannedTarget pt) throws Exception {
    ObjectNode chat = GatewayHarness.JSON.createObjectNode().put("model", pt.target().model());
    chat.putArray("messages").addObject().put("role", "user").put("content", "What time is it?");
    Promise<JsonReply> reply = Promise.promise();
    context.runOnContext(
        v ->
            caller
                .callJson(
                    pt,
                    Operation.CHAT_COMPLETIONS,
                    UpstreamAdapters.forProvider(pt.provider())
                        .encodeRequest(chat, pt, Operation.CHAT_COMPLETIONS, false),
                    new RequestContext("req", Operation.CHAT_COMPLETIONS, clock),
                    Optional.of("sk-mock"),
                    chat)
                .onComplete(reply));
    JsonReply done =
        reply.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return GatewayHarness.json(done.body().toString());
  }

  /**
   * A chat stream from {@code pt}, relayed to a loopback client by the gateway's answer stage
   * (which makes the target's stream decoder and the door's encoder): the client's body.
   */
  private String stream(PlannedTarget pt) throws Exception {
    ObjectNode chat =
        GatewayHarness.JSON
            .createObjectNode()
            .put("model", pt.target().model())
            .put("stream", true);
    chat.putArray("messages").addObject().put("role", "user").put("content", "What time is it?");
    ChatCompletionsFrontDoor door = new ChatCompletionsFrontDoor();
    Stage open =
        exchange -> {
          exchange.body(chat);
          RequestContext ctx = exchange.ctx();
          ctx.stream(true);
          ctx.target(pt);
          caller
              .openStream(
                  pt,
                  Operation.CHAT_COMPLETIONS,
                  UpstreamAdapters.forProvider(pt.provider())
                      .encodeRequest(chat, pt, Operation.CHAT_COMPLETIONS, false),
                  ctx,
                  Optional.of("sk-mock"))
              .onSuccess(
                  upstream -> {
                    exchange.result(upstream);
                    exchange.proceed();
                  })
              .onFailure(exchange::fail);
          return false;
        };
    Pipeline pipeline = new Pipeline(List.of(open, new AnswerStage()));
    Router router = Router.router(vertx);
    router
        .post("/v1/chat/completions")
        .handler(BodyHandler.create(false))
        .handler(
            rc ->
                pipeline.start(
                    new Exchange(
                        rc.request(),
                        rc.body().buffer(),
                        new RequestContext("req", door.operation(), clock),
                        door,
                        pipeline)));
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .sendAsync(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("data: [DONE]");
    return r.body();
  }

  /** The {@code created} of every chunk of a chat stream's body. */
  private static List<Long> created(String body) throws Exception {
    List<Long> created = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.startsWith("data: {")) {
        created.add(GatewayHarness.json(line.substring(6)).path("created").asLong());
      }
    }
    return created;
  }

  @Test
  void anOpenAiStreamKeepsItsCreatedAndTheWallClockIsNotRead() throws Exception {
    List<Long> created = created(stream(target("openai", "gpt-4o-mini")));

    assertThat(created).isNotEmpty().doesNotContain(NOW_MS / 1000); // the mock's
    assertThat(clock.reads.get()).isZero();
  }

  @Test
  void aTranslatedAnthropicStreamGetsItsCreatedFromTheGatewayClockReadOnce() throws Exception {
    List<Long> created = created(stream(target("anthropic", "claude-sonnet-4-5")));

    assertThat(created).isNotEmpty().containsOnly(NOW_MS / 1000);
    assertThat(clock.reads.get()).isEqualTo(1);
  }

  @Test
  void anOpenAiAnswerKeepsItsCreatedAndTheWallClockIsNotRead() throws Exception {
    JsonNode completion = answer(target("openai", "gpt-4o-mini"));

    assertThat(completion.path("created").asLong()).isNotEqualTo(NOW_MS / 1000); // the mock's
    assertThat(clock.reads.get()).isZero();
  }

  @Test
  void aTranslatedAnthropicAnswerGetsItsCreatedFromTheGatewayClock() throws Exception {
    JsonNode completion = answer(target("anthropic", "claude-sonnet-4-5"));

    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("created").asLong()).isEqualTo(NOW_MS / 1000);
    assertThat(clock.reads.get()).isEqualTo(1);
  }
}
