package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.pipeline.AnswerStage;
import dev.switchboard.gateway.pipeline.CacheStage;
import dev.switchboard.gateway.pipeline.LoopbackPipeline;
import dev.switchboard.gateway.pipeline.Pipeline;
import dev.switchboard.gateway.pipeline.Stage;
import dev.switchboard.gateway.pipeline.ValidateStage;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A shared-cache hit is opened (AES-GCM, then decoded) where its size says: a value over {@link
 * ValidateStage#INLINE_PARSE_LIMIT} on a worker — Redis answers on an event loop, which a megabyte
 * of decryption would hold for everyone on it — and a small one in place, on the loop that got it.
 * Two replicas (each its own response cache and near cache) share one real redis-server: the first
 * stores the answer, the second finds it in Redis. Real HTTP, {@link CacheStage} and {@link
 * AnswerStage}; the stage that stands for the upstream answers with a chat completion.
 */
class SharedCacheLargeHitOffLoopTest {

  private static final int LARGE = ValidateStage.INLINE_PARSE_LIMIT + 4096;

  private static Vertx vertx;
  private static RedisProcess redis;
  private static Redis client;

  private final ManualClock clock = new ManualClock();
  // HTTP/1.1, as the gateway's clients speak it (no h2c upgrade of the first request).
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final PlannedTarget target =
      new PlannedTarget(
          TestTables.target("up", "m", 0),
          TestTables.provider("up", "http://127.0.0.1:9/v1", false),
          PlannedTarget.STABLE);
  private final RoutingTable.Policy policy =
      TestTables.cachePolicy(
          "cached",
          new RoutingTable.Cache(
              true, 600_000L, 1000, false, null, null, null, null, 0.3, null, true));

  /** Per value the second replica opened: whether on an event loop thread. */
  private final List<Boolean> openedOnLoop = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    client = Redis.createClient(vertx, redis.uri());
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A replica: its own response cache on the shared Redis, serving the pipeline. */
  private HttpServer replica(ResponseCache cache, String text) throws Exception {
    cache.shareExactVia(new SharedAnswers(client, clock, "t:", 5_000));
    ResolvedRoute route =
        new ResolvedRoute(
            TestTables.policyRoute("cached", "cached", target.target()),
            policy,
            List.of(target),
            List.of(),
            "name");
    Stage resolved =
        exchange -> {
          exchange.body(exchange.frontDoor().decodeRequest(exchange.rawBody()));
          exchange.caller(new Caller(exchange.headers()));
          exchange.ctx().route(route);
          exchange.plan(List.of(target));
          return true;
        };
    Pipeline pipeline =
        new Pipeline(
            List.of(
                resolved,
                new CacheStage(cache, new GatewayMetrics()),
                upstream(text),
                new AnswerStage()));
    return LoopbackPipeline.serve(vertx, pipeline, new ChatCompletionsFrontDoor(), clock);
  }

  /** Stands for the upstream call: a complete chat completion answering {@code text}. */
  private Stage upstream(String text) {
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
      exchange.result(
          new JsonReply(
              200,
              Buffer.buffer(completion.toString()),
              new ReplySummary("m", null, "stop", false, null),
              Operation.CHAT_COMPLETIONS));
      return true;
    };
  }

  private HttpResponse<String> ask(HttpServer server, String question) throws Exception {
    return LoopbackPipeline.post(
        http,
        server,
        "{\"model\":\"cached\",\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\""
            + question
            + "\"}]}",
        Duration.ofSeconds(20),
        "content-type",
        "application/json");
  }

  /** Answers of the shared cache in Redis now. */
  private static int inRedis() throws Exception {
    return client
        .send(Request.cmd(Command.KEYS).arg("t:cache:*"))
        .toCompletionStage()
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS)
        .size();
  }

  /** The first replica answers and stores; the second's lookup finds the answer in Redis. */
  private HttpResponse<String> hitOnSecondReplica(String question, String text) throws Exception {
    int before = inRedis();
    ResponseCache first = new ResponseCache(clock, null, 1, ResponseCache.DEFAULT_MAX_BYTES);
    ResponseCache second = new ResponseCache(clock, null, 1, ResponseCache.DEFAULT_MAX_BYTES);
    HttpServer a = replica(first, text);
    HttpServer b = replica(second, text);
    ((RedisExactStore) second.route("cached", CacheSettings.of(policy.cache())).exact())
        .openProbe(() -> openedOnLoop.add(Context.isOnEventLoopThread()));
    try {
      HttpResponse<String> stored = ask(a, question);
      assertThat(stored.headers().firstValue("x-switchboard-cache")).hasValue("miss");
      await().atMost(Duration.ofSeconds(10)).until(() -> inRedis() > before);
      return ask(b, question);
    } finally {
      a.close();
      b.close();
      first.close();
      second.close();
    }
  }

  @Test
  void aLargeValueFromRedisIsOpenedOnAWorker() throws Exception {
    String text = "w".repeat(LARGE);

    HttpResponse<String> hit = hitOnSecondReplica("Tell me about lighthouses", text);

    assertThat(hit.statusCode()).as(hit.body()).isEqualTo(200);
    assertThat(hit.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(GatewayHarness.json(hit.body()).at("/choices/0/message/content").asText())
        .isEqualTo(text);
    assertThat(upstreamCalls).as("the second replica did not ask upstream").hasValue(1);
    assertThat(openedOnLoop).containsExactly(false);
  }

  @Test
  void aSmallValueFromRedisIsOpenedInPlace() throws Exception {
    String text = "A lighthouse is a tower with a light.";

    HttpResponse<String> hit = hitOnSecondReplica("Tell me about harbours", text);

    assertThat(hit.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(GatewayHarness.json(hit.body()).at("/choices/0/message/content").asText())
        .isEqualTo(text);
    assertThat(upstreamCalls).hasValue(1);
    assertThat(openedOnLoop).containsExactly(true);
  }
}
