package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.consumer.ConsumerAccess;
import dev.switchboard.gateway.consumer.ConsumerLimiter;
import dev.switchboard.gateway.consumer.ConsumerMetrics;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.resilience.ClientRateLimiter;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.time.ManualClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the route's client rate limit check itself fails (the admit stage throws: a 500), after the
 * consumer stage admitted the request, nothing was served: the consumer gets its request back, and
 * {@code switchboard_consumer_requests_total} counts it as {@code route_limit_error}, not {@code
 * admitted}. The consumer's stage, limiter and metrics and the route's limiter are the gateway's
 * own; the route check fails through its injected clock. Time is a manual clock: no bucket refills.
 */
class RouteLimitFailureGiveBackTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicBoolean routeCheckBroken = new AtomicBoolean();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    ConsumerAccess access = new ConsumerAccess(false);
    access.onConsumerTable(
        new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION,
                List.of(
                    new ConsumerTable.Consumer(
                        "two-a-minute",
                        List.of(KeyDigest.of("sk-two")),
                        null,
                        List.of(new ConsumerTable.RateLimit(2, null)),
                        null,
                        "deny",
                        Map.of())))
            .toJson(),
        "test");
    ConsumerMetrics metrics = new ConsumerMetrics(registry);
    ClientRateLimiter routeLimits =
        new ClientRateLimiter(
            () -> {
              if (routeCheckBroken.get()) {
                throw new IllegalStateException("the route limit check failed");
              }
              return clock.nanoTime();
            });
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "generous",
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(new RoutingTable.RateLimit("route", 100, null)),
            null,
            null,
            null,
            null,
            null);
    ResolvedRoute route =
        new ResolvedRoute(
            TestTables.policyRoute("chat", "generous", TestTables.target("mock", "m", 0)),
            policy,
            List.of(),
            List.of(),
            "chat");
    Stage resolve =
        exchange -> {
          exchange.ctx().route(route);
          exchange.body(GatewayHarness.JSON.createObjectNode().put("model", "chat"));
          return true;
        };
    Stage answer =
        exchange -> {
          exchange.response().setStatusCode(200).end("{}");
          exchange.finish(200, "success", null);
          return false;
        };
    Pipeline pipeline =
        new Pipeline(
            List.of(
                new IdentifyStage(access, metrics),
                resolve,
                new ConsumerStage(new ConsumerLimiter(null), metrics, clock),
                new AdmitStage(routeLimits),
                answer));
    ChatCompletionsFrontDoor chat = new ChatCompletionsFrontDoor();
    server = LoopbackPipeline.serve(vertx, pipeline, chat, clock);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int send() throws Exception {
    return LoopbackPipeline.post(
            http,
            server,
            "{\"model\":\"chat\"}",
            Duration.ofSeconds(10),
            "authorization",
            "Bearer sk-two")
        .statusCode();
  }

  private double consumerRequests(String outcome) {
    Counter c =
        registry
            .find("switchboard_consumer_requests")
            .tags("consumer", "two-a-minute", "outcome", outcome)
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aFailedRouteLimitCheckGivesTheConsumerItsRequestBack() throws Exception {
    // Consumer: 2 requests a minute. The route check fails for the first request.
    routeCheckBroken.set(true);
    assertThat(send()).isEqualTo(500);
    routeCheckBroken.set(false);

    // Nothing was served: both of the minute's requests are left, and only then is it refused.
    assertThat(send()).isEqualTo(200);
    assertThat(send()).isEqualTo(200);
    assertThat(send()).isEqualTo(429);

    assertThat(consumerRequests("route_limit_error")).isEqualTo(1);
    assertThat(consumerRequests("admitted")).isEqualTo(2);
    assertThat(consumerRequests("rate_limited")).isEqualTo(1);
  }
}
