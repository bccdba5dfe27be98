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
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * After a reload that changed a route's cache settings, a request resolved on the previous table
 * bypasses the cache: it neither empties the route's new cache nor is answered from it. Before, it
 * replaced the new cache with an empty one under its old settings (a miss), and the next new
 * request replaced that again (a miss too). Real HTTP exchange, real {@link CacheStage} and exact
 * cache; the stage that stands for the upstream counts the calls that reach it.
 */
class CacheStageReloadTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ResponseCache cache =
      new ResponseCache(clock, null, 1, ResponseCache.DEFAULT_MAX_BYTES);

  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final AtomicReference<RequestContext> accounted = new AtomicReference<>();
  private final PlannedTarget target =
      new PlannedTarget(
          TestTables.target("up", "m", 0),
          TestTables.provider("up", "http://127.0.0.1:9/v1", false),
          PlannedTarget.STABLE);

  private final RoutingTable.Policy oldPolicy = policy(600_000L);
  private final RoutingTable.Policy newPolicy = policy(60_000L);

  /** The route as the request's snapshot resolved it. */
  private final AtomicReference<ResolvedRoute> resolvedOn = new AtomicReference<>(route(newPolicy));

  private HttpServer server;

  private static RoutingTable.Policy policy(long exactTtlMs) {
    return TestTables.cachePolicy(
        "cached",
        new RoutingTable.Cache(
            true, exactTtlMs, 1000, false, null, null, null, null, 0.3, null, null));
  }

  private ResolvedRoute route(RoutingTable.Policy policy) {
    return new ResolvedRoute(
        TestTables.policyRoute("cached", "cached", target.target()),
        policy,
        List.of(target),
        List.of(),
        "name");
  }

  @BeforeEach
  void start() throws Exception {
    Pipeline pipeline =
        new Pipeline(
            List.of(
                accounting(),
                resolved(),
                new CacheStage(cache, new GatewayMetrics(), CacheStage::request),
                upstream(),
                new AnswerStage()));
    server = LoopbackPipeline.serve(vertx, pipeline, new ChatCompletionsFrontDoor(), clock);
  }

  @AfterEach
  void close() throws Exception {
    cache.close();
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
  private Stage resolved() {
    return exchange -> {
      exchange.body(exchange.frontDoor().decodeRequest(exchange.rawBody()));
      exchange.caller(new Caller(exchange.headers()));
      exchange.ctx().route(resolvedOn.get());
      exchange.plan(List.of(target));
      return true;
    };
  }

  /** Stands for the upstream call: one complete answer per call that reaches it. */
  private Stage upstream() {
    return exchange -> {
      int n = upstreamCalls.incrementAndGet();
      exchange.ctx().target(target);
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

  private HttpResponse<String> post() throws Exception {
    accounted.set(null);
    String body =
        "{\"model\":\"cached\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"same question\"}]}";
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
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r;
  }

  private static String content(HttpResponse<String> r) throws Exception {
    return GatewayHarness.json(r.body()).at("/choices/0/message/content").asText();
  }

  @Test
  void aRequestResolvedOnThePreviousTableBypassesTheRoutesNewCache() throws Exception {
    cache.retainOnly(
        TestTables.table(
            List.of(),
            List.of(oldPolicy),
            List.of(TestTables.policyRoute("cached", "cached", target.target()))));
    resolvedOn.set(route(oldPolicy));
    assertThat(post().headers().firstValue("x-switchboard-cache")).hasValue("miss");

    // The reload: the table in force now caches with the new settings.
    cache.retainOnly(
        TestTables.table(
            List.of(),
            List.of(newPolicy),
            List.of(TestTables.policyRoute("cached", "cached", target.target()))));
    resolvedOn.set(route(newPolicy));
    assertThat(post().headers().firstValue("x-switchboard-cache")).hasValue("miss"); // answer 2

    // A request that resolved its route on the previous table reaches the cache stage now.
    resolvedOn.set(route(oldPolicy));
    HttpResponse<String> old = post();

    resolvedOn.set(route(newPolicy));
    HttpResponse<String> again = post();
    assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
    assertThat(content(again)).isEqualTo("answer 2");
    assertThat(old.headers().firstValue("x-switchboard-cache")).hasValue("bypass");
    assertThat(content(old)).isEqualTo("answer 3"); // from upstream, not from the new cache
    assertThat(upstreamCalls).hasValue(3);
  }
}
