package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.cache.ResponseCache;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.ForwardingFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.frontdoor.MessagesFrontDoor;
import dev.switchboard.gateway.frontdoor.ResponsesFrontDoor;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.responses.LocalResponseLocations;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A non-streamed answer over {@link ValidateStage#INLINE_PARSE_LIMIT}, decoded on a worker by
 * {@code UpstreamCaller}, stays off the event loop afterwards too: its front door reshapes it there
 * (a Message or a Response made from a chat answer, also when it is answered again from the cache)
 * and the response cache stores it there; the answer is still written on the loop, whole and in the
 * door's format, and a repeat is a hit. A small answer, the hot path, is reshaped and stored in
 * place, and a door that sends the body as it came (chat completions) never leaves the loop for it.
 * Real HTTP exchange, the real front doors, {@link CacheStage} and {@link AnswerStage}; the stage
 * that stands for the upstream answers with a chat completion of the size a test asks for.
 */
class LargeAnswerOffLoopStagesTest {
  private static final int LARGE = ValidateStage.INLINE_PARSE_LIMIT + 4096;

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ResponseCache cache =
      new ResponseCache(clock, null, 1, ResponseCache.DEFAULT_MAX_BYTES);
  private final LocalResponseLocations locations = new LocalResponseLocations(clock);

  /** Per answer the door encoded: whether on an event loop thread. */
  private final List<Boolean> encodedOnLoop = new CopyOnWriteArrayList<>();

  /** Per answer the cache stored: whether on an event loop thread. */
  private final List<Boolean> storedOnLoop = new CopyOnWriteArrayList<>();

  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final AtomicReference<RequestContext> accounted = new AtomicReference<>();
  private final PlannedTarget target =
      new PlannedTarget(
          TestTables.target("up", "m", 0),
          TestTables.provider("up", "http://127.0.0.1:9/v1", false),
          PlannedTarget.STABLE);
  private final RoutingTable.Policy policy =
      TestTables.cachePolicy(
          "cached",
          new RoutingTable.Cache(
              true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null));
  private HttpServer server;

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Serves the pipeline through {@code door}; the upstream answers {@code text}. */
  private void serve(FrontDoor door, String text) throws Exception {
    serve(door, text, true);
  }

  private void serve(FrontDoor door, String text, boolean withUsage) throws Exception {
    ResolvedRoute route =
        new ResolvedRoute(
            TestTables.policyRoute("cached", "cached", target.target()),
            policy,
            List.of(target),
            List.of(),
            "name");
    Pipeline pipeline =
        new Pipeline(
            List.of(
                accounting(),
                resolved(route),
                new CacheStage(cache, new GatewayMetrics())
                    .storeProbe(() -> storedOnLoop.add(Context.isOnEventLoopThread())),
                upstream(text, withUsage),
                new AnswerStage()));
    server = LoopbackPipeline.serve(vertx, pipeline, new Probed(door), clock);
  }

  private Stage accounting() {
    return new Stage() {
      @Override
      public boolean forward(Exchange exchange) {
        return true;
      }

      @Override
      public void backward(Exchange exchange) {
        accounted.set(exchange.ctx());
      }
    };
  }

  private Stage resolved(ResolvedRoute route) {
    return exchange -> {
      exchange.body(exchange.frontDoor().decodeRequest(exchange.rawBody()));
      exchange.caller(new Caller(exchange.headers()));
      exchange.ctx().route(route);
      exchange.plan(List.of(target));
      return true;
    };
  }

  /** Stands for the upstream call: a complete chat completion answering {@code text}. */
  private Stage upstream(String text) {
    return upstream(text, true);
  }

  /**
   * As {@link #upstream(String)}, with the provider's usage in the answer (and its summary) or
   * without.
   */
  private Stage upstream(String text, boolean withUsage) {
    return exchange -> {
      upstreamCalls.incrementAndGet();
      exchange.ctx().target(target);
      ObjectNode completion =
          GatewayHarness.JSON
              .createObjectNode()
              .put("id", "chatcmpl-1")
              .put("object", "chat.completion")
              .put("created", 1)
              .put("model", "m");
      ObjectNode choice = completion.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", "stop");
      choice.putObject("message").put("role", "assistant").put("content", text);
      if (withUsage) {
        completion
            .putObject("usage")
            .put("prompt_tokens", 10)
            .put("completion_tokens", 20)
            .put("total_tokens", 30);
      }
      exchange.result(
          new JsonReply(
              200,
              Buffer.buffer(completion.toString()),
              new ReplySummary(
                  "m",
                  null,
                  "stop",
                  false,
                  withUsage ? new dev.switchboard.gateway.request.TokenUsage(10, 20, 0) : null),
              Operation.CHAT_COMPLETIONS));
      return true;
    };
  }

  private HttpResponse<String> post(String body) throws Exception {
    accounted.set(null);
    HttpResponse<String> r =
        LoopbackPipeline.post(
            http, server, body, Duration.ofSeconds(20), "content-type", "application/json");
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    return r;
  }

  private static String messages() {
    return "{\"model\":\"cached\",\"max_tokens\":100,\"temperature\":0,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about lighthouses\"}]}";
  }

  @Test
  void aLargeBridgedMessagesAnswerIsReshapedAndStoredOffTheLoopAndStillHits() throws Exception {
    String text = "w".repeat(LARGE);
    serve(new MessagesFrontDoor(), text);

    HttpResponse<String> first = post(messages());
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.bytes() > LARGE);
    HttpResponse<String> again = post(messages());

    for (HttpResponse<String> r : List.of(first, again)) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode message = GatewayHarness.json(r.body());
      assertThat(message.path("type").asText()).isEqualTo("message");
      assertThat(message.at("/content/0/text").asText()).isEqualTo(text);
      assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
    }
    assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(upstreamCalls).hasValue(1);
    assertThat(encodedOnLoop).as("the answer, then the hit").containsExactly(false, false);
    assertThat(storedOnLoop).containsExactly(false);
  }

  /**
   * The Responses door remembers the id of the Response it made before the client has it, also off
   * the loop: a follow-up naming it finds its provider.
   */
  @Test
  void aLargeBridgedResponseIsReshapedOffTheLoopAndItsIdRemembered() throws Exception {
    String text = "v".repeat(LARGE);
    serve(new ResponsesFrontDoor(locations), text);

    HttpResponse<String> r =
        post("{\"model\":\"cached\",\"temperature\":0,\"input\":\"Tell me about lighthouses\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode response = GatewayHarness.json(r.body());
    assertThat(response.path("object").asText()).isEqualTo("response");
    assertThat(response.at("/output/0/content/0/text").asText()).isEqualTo(text);
    String id = response.path("id").asText();
    assertThat(locations.find(id).toCompletionStage().toCompletableFuture().get().provider())
        .isEqualTo("up");
    assertThat(encodedOnLoop).containsExactly(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> storedOnLoop.size() == 1);
    assertThat(storedOnLoop).containsExactly(false);
  }

  @Test
  void aSmallAnswerIsReshapedAndStoredOnTheLoop() throws Exception {
    serve(new MessagesFrontDoor(), "A lighthouse is a tower with a light.");

    HttpResponse<String> first = post(messages());
    HttpResponse<String> again = post(messages());

    assertThat(GatewayHarness.json(first.body()).at("/content/0/text").asText())
        .isEqualTo("A lighthouse is a tower with a light.");
    assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(encodedOnLoop).containsExactly(true, true);
    assertThat(storedOnLoop).containsExactly(true);
  }

  /** The chat door sends the body as it came: no hop for it; the store still leaves the loop. */
  @Test
  void aLargeChatAnswerIsSentFromTheLoopAndStoredOffIt() throws Exception {
    String text = "u".repeat(LARGE);
    serve(new ChatCompletionsFrontDoor(), text);

    HttpResponse<String> r =
        post(
            "{\"model\":\"cached\",\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about lighthouses\"}]}");

    assertThat(GatewayHarness.json(r.body()).at("/choices/0/message/content").asText())
        .isEqualTo(text);
    assertThat(encodedOnLoop).containsExactly(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> storedOnLoop.size() == 1);
    assertThat(storedOnLoop).containsExactly(false);
  }

  /**
   * A large answer without the provider's usage is read for its text (what its cost is estimated
   * from) off the loop, and so is sent from there: the chat door's answer too.
   */
  @Test
  void aLargeAnswerWithoutUsageIsReadForItsTextOffTheLoop() throws Exception {
    String text = "w".repeat(LARGE);
    serve(new ChatCompletionsFrontDoor(), text, false);

    HttpResponse<String> r =
        post(
            "{\"model\":\"cached\",\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about lamps\"}]}");

    assertThat(GatewayHarness.json(r.body()).at("/choices/0/message/content").asText())
        .isEqualTo(text);
    assertThat(encodedOnLoop).containsExactly(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    assertThat(accounted.get().answerChars()).isGreaterThanOrEqualTo(LARGE);
  }

  /**
   * A front door that notes the thread each answer is encoded on, and is otherwise {@code door}.
   */
  private final class Probed extends ForwardingFrontDoor {
    Probed(FrontDoor door) {
      super(door);
    }

    @Override
    public Buffer encodeReply(JsonReply reply, ObjectNode request, RequestContext ctx) {
      encodedOnLoop.add(Context.isOnEventLoopThread());
      return door.encodeReply(reply, request, ctx);
    }
  }
}
