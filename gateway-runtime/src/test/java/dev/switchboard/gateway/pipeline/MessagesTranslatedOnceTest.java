package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.determinism.ModelVersionTracker;
import dev.switchboard.gateway.frontdoor.MessagesFrontDoor;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.time.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Messages request on a route that mixes an Anthropic target (which gets the client's body) with
 * one that gets it bridged is translated into chat completions once: the stages that read its chat
 * form, the deterministic contract asking whether it can be bridged and the front door narrowing
 * the plan all use the one translation the exchange keeps. Counted by the reads of the request's
 * {@code messages}, which every translation walks once and nothing else on this path reads.
 */
class MessagesTranslatedOnceTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicInteger translations = new AtomicInteger();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The decoded request, counting the walks over its {@code messages}. */
  private final class CountingRequest extends ObjectNode {
    CountingRequest(ObjectNode decoded) {
      super(JsonNodeFactory.instance);
      setAll(decoded);
    }

    @Override
    public JsonNode get(String field) {
      count(field);
      return super.get(field);
    }

    @Override
    public JsonNode path(String field) {
      count(field);
      return super.path(field);
    }

    private void count(String field) {
      if ("messages".equals(field)) {
        translations.incrementAndGet();
      }
    }
  }

  static PlannedTarget target(String provider, String kind) {
    return new PlannedTarget(
        TestTables.target(provider, "m", 0),
        TestTables.provider(provider, kind, "https://api.example.com/v1", true, Map.of(), null),
        PlannedTarget.STABLE);
  }

  private final PlannedTarget bridged = target("bridged", "openai-compatible");
  private final PlannedTarget anthropic = target("claude", "anthropic");

  /**
   * The request through the stages that read it before execution — the deterministic contract (a
   * policy seed, so it asks whether the request can be bridged) and planning with the door's
   * narrowing — on a real loopback exchange; answers the narrowed chain's provider names.
   */
  private HttpResponse<String> send(String body) throws Exception {
    MessagesFrontDoor door = new MessagesFrontDoor();
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "det",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            new RoutingTable.Deterministic(true, 42L, false, false),
            null);
    List<PlannedTarget> mixed = List.of(bridged, anthropic);
    ResolvedRoute route =
        new ResolvedRoute(
            TestTables.policyRoute("mixed", "det", bridged.target(), anthropic.target()),
            policy,
            mixed,
            List.of(),
            null);
    Stage decode =
        exchange -> {
          exchange.body(new CountingRequest(door.decodeRequest(exchange.rawBody())));
          exchange.ctx().route(route);
          exchange.plan(mixed);
          return true;
        };
    Stage answer =
        exchange -> {
          String chain =
              String.join(",", exchange.plan().stream().map(t -> t.provider().name()).toList());
          exchange.response().setStatusCode(200).end(chain);
          exchange.finish(200, "success", null);
          return false;
        };
    Pipeline pipeline =
        new Pipeline(
            List.of(
                decode,
                new DeterministicStage(new ModelVersionTracker(new SimpleMeterRegistry(), clock)),
                new PlanStage(null), // the chain is set: the planner is not asked
                answer));
    Router router = Router.router(vertx);
    router
        .post("/v1/messages")
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
    int port =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .actualPort();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/messages"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aBridgeableRequestIsTranslatedOnceAndKeepsTheMixedChain() throws Exception {
    HttpResponse<String> r =
        send(
            "{\"model\":\"mixed\",\"max_tokens\":8,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("bridged,claude");
    assertThat(translations.get()).isEqualTo(1);
  }

  @Test
  void aRequestOnlyAnthropicCanCarryIsTranslatedOnceAndKeptToAnthropic() throws Exception {
    HttpResponse<String> r =
        send(
            "{\"model\":\"mixed\",\"max_tokens\":8,"
                + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("claude");
    assertThat(translations.get()).isEqualTo(1);
  }
}
