package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.consumer.ConsumerAccess;
import dev.switchboard.gateway.consumer.ConsumerLimiter;
import dev.switchboard.gateway.consumer.ConsumerMetrics;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.frontdoor.MessagesFrontDoor;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.ClientRateLimiter;
import dev.switchboard.gateway.resilience.SharedClientRateLimits;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.state.Admission;
import dev.switchboard.gateway.state.AdmitCall;
import dev.switchboard.gateway.state.LocalStateStore;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.state.SettleCall;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.state.StateStore;
import dev.switchboard.gateway.time.ManualClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stage whose asynchronous step completes with an unexpected failure (not an {@code
 * ApiException}) still answers its request: a 500 {@code internal_error} in the door's shape, the
 * request walked back (the outermost stage, where the request log line is written, sees it) and the
 * consumer's request given back. Here the route's shared client rate limits ({@link AdmitStage}
 * over {@link SharedClientRateLimits}) find their Redis unreachable, asynchronously (a real
 * connection refused), and fall back to this replica's buckets, whose check then throws (its
 * injected clock fails, as in {@link RouteLimitFailureGiveBackTest}): the shared admission fails
 * with an {@code IllegalStateException}. No real store produces that today (Redis errors become
 * {@code StoreUnavailableException}, which is handled); the failing clock stands in for a gateway
 * bug. The consumer stage's own asynchronous admission fails the same way through a test double of
 * its store's future ({@link #consumerStore}). Everything else is the gateway's own: identify,
 * consumer stage and limiter, admit stage, the Redis store, the front doors. Time is a manual
 * clock: no bucket refills, the Redis store stays marked down.
 */
class AsyncStageFailureTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicBoolean routeCheckBroken = new AtomicBoolean();
  private final AtomicBoolean consumerAdmissionBroken = new AtomicBoolean();

  /**
   * The consumers' counts in this replica's memory (the gateway's own store), answered on a later
   * turn of the event loop as the shared store answers, or — while {@link #consumerAdmissionBroken}
   * — failing with an {@code IllegalStateException}: a test double of the store's future, since no
   * real store fails with anything but {@code StoreUnavailableException} (which is handled).
   */
  private final StateStore consumerStore =
      new StateStore() {
        private final LocalStateStore local = new LocalStateStore();

        @Override
        public Future<Admission> admit(AdmitCall call) {
          Promise<Admission> answer = Promise.promise();
          Vertx.currentContext()
              .runOnContext(
                  v -> {
                    if (consumerAdmissionBroken.get()) {
                      answer.fail(new IllegalStateException("the consumer admission failed"));
                    } else {
                      local.admit(call).onComplete(answer);
                    }
                  });
          return answer.future();
        }

        @Override
        public Future<Void> settle(SettleCall call) {
          return local.settle(call);
        }

        @Override
        public Future<Spend> spend(String consumer, String day, String month) {
          return local.spend(consumer, day, month);
        }

        @Override
        public boolean shared() {
          return false;
        }

        @Override
        public Future<Void> close() {
          return local.close();
        }
      };

  private final List<RequestContext> walkedBack = new CopyOnWriteArrayList<>();
  private RedisStateStore store;
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
    ClientRateLimiter local =
        new ClientRateLimiter(
            () -> {
              if (routeCheckBroken.get()) {
                throw new IllegalStateException("the route limit check failed");
              }
              return clock.nanoTime();
            });
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens there once closed: no Redis
    }
    store =
        new RedisStateStore(
            vertx, clock, "redis://127.0.0.1:" + closedPort, null, null, "async-fail:");
    SharedClientRateLimits shared =
        new SharedClientRateLimits(store, local, clock::currentTimeMillis);
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
    Stage log =
        new Stage() {
          @Override
          public boolean forward(Exchange exchange) {
            return true;
          }

          @Override
          public void backward(Exchange exchange) {
            walkedBack.add(exchange.ctx()); // outermost, as AccountStage, which logs the line
          }
        };
    Stage resolve =
        exchange -> {
          exchange.ctx().route(route);
          exchange.body(
              GatewayHarness.JSON
                  .createObjectNode()
                  .put("model", "chat")
                  .put("max_tokens", 10)
                  .set("messages", GatewayHarness.JSON.createArrayNode()));
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
                log,
                new IdentifyStage(access, metrics),
                resolve,
                new ConsumerStage(new ConsumerLimiter(consumerStore), metrics, clock),
                new AdmitStage(local, shared),
                answer));
    Router router = Router.router(vertx);
    route(router, pipeline, "/v1/chat/completions", new ChatCompletionsFrontDoor());
    route(router, pipeline, "/v1/messages", new MessagesFrontDoor());
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  private void route(Router router, Pipeline pipeline, String path, FrontDoor door) {
    router
        .post(path)
        .handler(BodyHandler.create(false))
        .handler(
            rc ->
                pipeline.start(
                    new Exchange(
                        rc.request(),
                        rc.body().buffer(),
                        new RequestContext("req-" + walkedBack.size(), door.operation(), clock),
                        door,
                        pipeline)));
  }

  @AfterEach
  void stop() throws Exception {
    store.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> send(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
            // Without the fix the request is never answered: the client gives up here.
            .timeout(Duration.ofSeconds(10))
            .header("authorization", "Bearer sk-two")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
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
  void anAdmissionThatFailsAsynchronouslyIsAnsweredLoggedAndGivenBack() throws Exception {
    // Consumer: 2 requests a minute. The shared route check fails, after Redis refused to connect.
    routeCheckBroken.set(true);
    HttpResponse<String> failed = send("/v1/chat/completions");

    assertThat(failed.statusCode()).isEqualTo(500);
    JsonNode error = GatewayHarness.JSON.readTree(failed.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("server_error");
    assertThat(error.path("code").asText()).isEqualTo("internal_error");
    assertThat(error.path("message").asText()).contains("Request id: req-0");
    // Walked back to the outermost stage: the request log line says what happened.
    // The answer goes out just before the request is walked back, on the gateway's event loop.
    await().atMost(Duration.ofSeconds(10)).until(() -> walkedBack.size() == 1);
    JsonNode line = GatewayHarness.JSON.readTree(RequestLogWriter.toJson(walkedBack.get(0)));
    assertThat(line.path("status").asInt()).isEqualTo(500);
    assertThat(line.path("error_class").asText()).isEqualTo("internal");
    assertThat(consumerRequests("route_limit_error")).isEqualTo(1);

    // Nothing was served: the consumer got its request back, so both of the minute's are left.
    routeCheckBroken.set(false);
    assertThat(send("/v1/chat/completions").statusCode()).isEqualTo(200);
    assertThat(send("/v1/chat/completions").statusCode()).isEqualTo(200);
    assertThat(send("/v1/chat/completions").statusCode()).isEqualTo(429);
  }

  @Test
  void aConsumerAdmissionThatFailsAsynchronouslyIsAnsweredAndLogged() throws Exception {
    consumerAdmissionBroken.set(true);
    HttpResponse<String> failed = send("/v1/chat/completions");

    assertThat(failed.statusCode()).isEqualTo(500);
    JsonNode error = GatewayHarness.JSON.readTree(failed.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("internal_error");
    await().atMost(Duration.ofSeconds(10)).until(() -> walkedBack.size() == 1);
    assertThat(walkedBack.get(0).status()).isEqualTo(500);
    assertThat(walkedBack.get(0).errorClass()).isEqualTo("internal");

    // The failed admission took nothing: both of the minute's requests are left.
    consumerAdmissionBroken.set(false);
    assertThat(send("/v1/chat/completions").statusCode()).isEqualTo(200);
    assertThat(send("/v1/chat/completions").statusCode()).isEqualTo(200);
    assertThat(send("/v1/chat/completions").statusCode()).isEqualTo(429);
  }

  @Test
  void onTheMessagesDoorTheFailureIsAnthropicShaped() throws Exception {
    routeCheckBroken.set(true);
    HttpResponse<String> failed = send("/v1/messages");

    assertThat(failed.statusCode()).isEqualTo(500);
    JsonNode body = GatewayHarness.JSON.readTree(failed.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("api_error");
    // The answer goes out just before the request is walked back, on the gateway's event loop.
    await().atMost(Duration.ofSeconds(10)).until(() -> walkedBack.size() == 1);
    assertThat(walkedBack.get(0).status()).isEqualTo(500);
  }
}
