package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.cache.ResponseCache;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.RequestContext;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cache keys of a body over {@link ValidateStage#INLINE_PARSE_LIMIT} are made on a worker, not
 * on the event loop (walking and hashing megabytes there stalls every request on the loop), and
 * such a request is still answered from the cache when it comes again; a small body, the hot path,
 * is keyed in place. Real HTTP exchange, real {@link CacheStage} and exact cache; the stage that
 * stands for the upstream counts the calls that reach it.
 */
class CacheStageLargeBodyTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ResponseCache cache =
      new ResponseCache(clock, null, 1, ResponseCache.DEFAULT_MAX_BYTES);

  /** Per keying: whether it ran on an event loop thread. */
  private final List<Boolean> keyedOnEventLoop = new CopyOnWriteArrayList<>();

  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final AtomicReference<RequestContext> accounted = new AtomicReference<>();
  private final PlannedTarget target =
      new PlannedTarget(
          TestTables.target("up", "m", 0),
          TestTables.provider("up", "http://127.0.0.1:9/v1", false),
          PlannedTarget.STABLE);
  private final PlannedTarget other =
      new PlannedTarget(
          TestTables.target("up", "m2", 1),
          TestTables.provider("up", "http://127.0.0.1:9/v1", false),
          PlannedTarget.STABLE);

  /** The chain planning leaves, and the target that answers (another one: a failover). */
  private final AtomicReference<List<PlannedTarget>> plan = new AtomicReference<>(List.of(target));

  private final AtomicReference<PlannedTarget> answering = new AtomicReference<>(target);

  /** Whether keying makes a request without an exact key (a fault injected by one test). */
  private final java.util.concurrent.atomic.AtomicBoolean keyless =
      new java.util.concurrent.atomic.AtomicBoolean();

  private final RoutingTable.Policy policy =
      TestTables.cachePolicy(
          "cached",
          new RoutingTable.Cache(
              true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null));
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    ChatCompletionsFrontDoor chat = new ChatCompletionsFrontDoor();
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
                new CacheStage(
                    cache,
                    new GatewayMetrics(),
                    (exchange, scope, settings, semantic) -> {
                      keyedOnEventLoop.add(Context.isOnEventLoopThread());
                      if (keyless.get()) {
                        // A fault for the test: no exact key, which the store's lookup refuses.
                        return new dev.switchboard.gateway.cache.CacheRequest(null, null, null, 0);
                      }
                      return CacheStage.request(exchange, scope, settings, semantic);
                    }),
                upstream(),
                new AnswerStage()));
    server = LoopbackPipeline.serve(vertx, pipeline, chat, clock);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Registered first: sees every request once it walked back (its answer stored by then). */
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

  /** What validation, route resolution and planning leave for the cache stage. */
  private Stage resolved(ResolvedRoute route) {
    return exchange -> {
      exchange.body(exchange.frontDoor().decodeRequest(exchange.rawBody()));
      exchange.caller(new Caller(exchange.headers()));
      exchange.ctx().route(route);
      exchange.plan(plan.get());
      return true;
    };
  }

  /** Stands for the upstream call: one complete answer per call that reaches it. */
  private Stage upstream() {
    return exchange -> {
      int n = upstreamCalls.incrementAndGet();
      exchange.ctx().target(answering.get());
      String body =
          "{\"id\":\"c"
              + n
              + "\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
              + "\"message\":{\"role\":\"assistant\",\"content\":\"answer "
              + n
              + "\"},\"finish_reason\":\"stop\"}]}";
      exchange.result(
          new JsonReply(
              200,
              Buffer.buffer(body),
              new ReplySummary("m", null, "stop", false, null),
              Operation.CHAT_COMPLETIONS));
      return true;
    };
  }

  private HttpResponse<String> post(String content) throws Exception {
    accounted.set(null);
    String body =
        "{\"model\":\"cached\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\""
            + content
            + "\"}]}";
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> accounted.get() != null);
    return r;
  }

  @Test
  void aLargeBodyIsKeyedOffTheEventLoopAndStillHitsTheCache() throws Exception {
    String large = "x".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024);

    HttpResponse<String> first = post(large);
    HttpResponse<String> again = post(large);

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-switchboard-cache")).hasValue("miss");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(GatewayHarness.json(again.body()).at("/choices/0/message/content").asText())
        .isEqualTo("answer 1");
    assertThat(upstreamCalls).hasValue(1);
    assertThat(keyedOnEventLoop).containsExactly(false, false);
  }

  @Test
  void aLargeBodyAnsweredAfterFailoverIsKeyedForTheServedTargetOffTheEventLoop() throws Exception {
    String large = "y".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024);
    plan.set(List.of(target, other));
    answering.set(other);

    HttpResponse<String> failedOver = post(large);
    // Stored under the served target's keys, made on a worker after the request walked back.
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.bytes() > 0);
    plan.set(List.of(other));
    HttpResponse<String> again = post(large);

    assertThat(failedOver.statusCode()).as(failedOver.body()).isEqualTo(200);
    assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(upstreamCalls).hasValue(1);
    // The first target's keys, the served target's after failover, the second request's.
    assertThat(keyedOnEventLoop).containsExactly(false, false, false);
  }

  /**
   * What the stage does with keys made off the loop runs back on the request's event loop through
   * the pipeline: a throw there (here the store refusing a request without a key) is answered as a
   * 500 and walked back, not lost in a callback with the client waiting until its timeout.
   */
  @Test
  void aFailureAfterKeyingOffTheLoopIsAnsweredAndWalkedBack() throws Exception {
    keyless.set(true);

    HttpResponse<String> r = post("z".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
    assertThat(GatewayHarness.json(r.body()).at("/error/type").asText()).isEqualTo("server_error");
    assertThat(accounted.get().status()).isEqualTo(500);
    assertThat(upstreamCalls).hasValue(0);
  }

  @Test
  void aSmallBodyIsKeyedInPlace() throws Exception {
    HttpResponse<String> first = post("What is 2+2?");
    HttpResponse<String> again = post("What is 2+2?");

    assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(upstreamCalls).hasValue(1);
    assertThat(keyedOnEventLoop).containsExactly(true, true);
  }
}
