package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.cache.CacheSettings;
import dev.switchboard.gateway.cache.Embedder;
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
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request over {@link ValidateStage#INLINE_PARSE_LIMIT} that goes upstream past its semantic
 * deadline and fails over: the served target's keys are made on a worker after the request walked
 * back, and the embedding may arrive before they are. Its answer must still reach the semantic
 * index, once. The test holds the embedding and the failover keying and lets them go in that order
 * (no sleeps; time is a {@link ManualClock}). Real HTTP exchange, real {@link CacheStage}, exact
 * cache and semantic index; the stage that stands for the upstream counts the calls that reach it.
 */
class CacheStageFailoverEmbeddingTest {

  private static final float[] VECTOR = {1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f};

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();

  /** The first embedding, completed when the test says; later ones complete at once. */
  private final CompletableFuture<Embedder.Embedding> held = new CompletableFuture<>();

  private final AtomicInteger embeddings = new AtomicInteger();
  private final AtomicReference<Executor> workers = new AtomicReference<>();
  private final Embedder embedder =
      new Embedder() {
        @Override
        public String id() {
          return CacheSettings.BUILTIN_MINILM;
        }

        @Override
        public CompletionStage<Embedding> embed(String text, String requestId, Executor pool) {
          workers.set(pool);
          if (embeddings.incrementAndGet() == 1) {
            return held;
          }
          return CompletableFuture.completedFuture(new Embedding(VECTOR.clone(), null));
        }
      };

  private final ResponseCache cache =
      new ResponseCache(clock, embedder, 1, ResponseCache.DEFAULT_MAX_BYTES);

  /** Counts keyings; the second (the served target's, after failover) waits for the test. */
  private final AtomicInteger keyings = new AtomicInteger();

  private final CountDownLatch failoverKeying = new CountDownLatch(1);
  private final CountDownLatch releaseKeying = new CountDownLatch(1);
  private final AtomicReference<Context> requestContext = new AtomicReference<>();

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

  private final AtomicReference<List<PlannedTarget>> plan =
      new AtomicReference<>(List.of(target, other));
  private final RoutingTable.Policy policy =
      TestTables.cachePolicy(
          "cached",
          new RoutingTable.Cache(
              true, 600_000L, 1000, true, 0.9, 600_000L, 1000, null, 0.3, null, null));
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    cache.semanticDeadlineMs(50);
    ChatCompletionsFrontDoor chat = new ChatCompletionsFrontDoor();
    ResolvedRoute route =
        new ResolvedRoute(
            TestTables.policyRoute("cached", "cached", target.target()),
            policy,
            List.of(target, other),
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
                      requestContext.set(exchange.context());
                      if (keyings.incrementAndGet() == 2) {
                        failoverKeying.countDown();
                        try {
                          releaseKeying.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      return CacheStage.request(exchange, scope, settings, semantic);
                    }),
                upstream(),
                new AnswerStage()));
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
                        new RequestContext("req", chat.operation(), clock),
                        chat,
                        pipeline)));
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    releaseKeying.countDown();
    cache.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
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
      exchange.plan(plan.get());
      return true;
    };
  }

  /** Stands for the upstream call: the first target failed, the second answers. */
  private Stage upstream() {
    return exchange -> {
      int n = upstreamCalls.incrementAndGet();
      exchange.ctx().target(other);
      String body =
          "{\"id\":\"c"
              + n
              + "\",\"object\":\"chat.completion\",\"model\":\"m2\",\"choices\":[{\"index\":0,"
              + "\"message\":{\"role\":\"assistant\",\"content\":\"answer "
              + n
              + "\"},\"finish_reason\":\"stop\"}]}";
      exchange.result(
          new JsonReply(
              200,
              Buffer.buffer(body),
              new ReplySummary("m2", null, "stop", false, null),
              Operation.CHAT_COMPLETIONS));
      return true;
    };
  }

  /** A body over the inline limit (a long system prompt) asking {@code question}. */
  private CompletableFuture<HttpResponse<String>> post(String question) {
    String system = "s".repeat(ValidateStage.INLINE_PARSE_LIMIT + 1024);
    String body =
        "{\"model\":\"cached\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\""
            + system
            + "\"},{\"role\":\"user\",\"content\":\""
            + question
            + "\"}]}";
    return http.sendAsync(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(20))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Runs after everything queued on the request's event loop so far. */
  private void drainEventLoop() throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    requestContext.get().runOnContext(v -> done.complete(null));
    done.get(10, TimeUnit.SECONDS);
  }

  /** Runs after everything queued on the (single) cache worker so far. */
  private void drainCacheWorker() throws Exception {
    cache.embedding().submit(() -> {}).get(10, TimeUnit.SECONDS);
  }

  @Test
  void anEmbeddingThatArrivesBeforeTheFailoverKeysStillIndexesTheAnswer() throws Exception {
    CompletableFuture<HttpResponse<String>> first = post("What is the capital of France?");
    // Keyed, missed the exact cache, embedding (held) with its deadline pending.
    await().atMost(Duration.ofSeconds(10)).until(() -> embeddings.get() == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> clock.pendingTimers() == 1);
    // Past the deadline: upstream as a miss; the second target answers.
    clock.advance(50);
    HttpResponse<String> failedOver = first.get(20, TimeUnit.SECONDS);
    assertThat(failedOver.statusCode()).as(failedOver.body()).isEqualTo(200);
    assertThat(failedOver.headers().firstValue("x-switchboard-cache")).hasValue("miss");
    // The served target's keys are being made on a worker: the embedding arrives meanwhile.
    assertThat(failoverKeying.await(10, TimeUnit.SECONDS)).isTrue();
    workers.get().execute(() -> held.complete(new Embedder.Embedding(VECTOR.clone(), null)));
    drainCacheWorker(); // the search ran and handed its result to the event loop
    drainEventLoop(); // and the event loop took it
    releaseKeying.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.bytes() > 0);
    drainEventLoop(); // the store finished
    drainCacheWorker(); // and its indexing

    ResponseCache.RouteCache caches = cache.route("cached", CacheSettings.of(policy.cache()));
    assertThat(caches.semantic().size()).as("indexed once").isEqualTo(1);

    // The same question in other words, with the served target first: a semantic hit.
    plan.set(List.of(other));
    HttpResponse<String> similar =
        post("What is the capital of France, please?").get(20, TimeUnit.SECONDS);
    assertThat(similar.statusCode()).as(similar.body()).isEqualTo(200);
    assertThat(similar.headers().firstValue("x-switchboard-cache")).hasValue("semantic");
    assertThat(GatewayHarness.json(similar.body()).at("/choices/0/message/content").asText())
        .isEqualTo("answer 1");
    assertThat(upstreamCalls).hasValue(1);
  }

  @Test
  void anEmbeddingThatArrivesAfterTheFailoverStoreIndexesTheAnswerOnce() throws Exception {
    CompletableFuture<HttpResponse<String>> first = post("What is the capital of France?");
    await().atMost(Duration.ofSeconds(10)).until(() -> embeddings.get() == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> clock.pendingTimers() == 1);
    clock.advance(50);
    assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(failoverKeying.await(10, TimeUnit.SECONDS)).isTrue();
    // This time the store comes first (the answer waits for its vector), then the embedding.
    releaseKeying.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.bytes() > 0);
    drainEventLoop();
    ResponseCache.RouteCache caches = cache.route("cached", CacheSettings.of(policy.cache()));
    assertThat(caches.semantic().size()).as("no vector yet").isZero();
    workers.get().execute(() -> held.complete(new Embedder.Embedding(VECTOR.clone(), null)));
    drainCacheWorker();
    drainEventLoop();
    drainCacheWorker();

    assertThat(caches.semantic().size()).as("indexed once").isEqualTo(1);
    plan.set(List.of(other));
    HttpResponse<String> similar =
        post("What is the capital of France, please?").get(20, TimeUnit.SECONDS);
    assertThat(similar.headers().firstValue("x-switchboard-cache")).hasValue("semantic");
    assertThat(upstreamCalls).hasValue(1);
  }
}
