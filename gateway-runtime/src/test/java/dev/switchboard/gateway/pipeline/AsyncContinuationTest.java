package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.ChatForm;
import dev.switchboard.gateway.frontdoor.ForwardingFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stage whose asynchronous step completes in a callback continues the request through the
 * pipeline ({@link Exchange#resumeWhen}): here the real {@link PlanStage}, whose front door narrows
 * the plan asynchronously, answered on another event loop (as the shared response-location store's
 * Redis client answers the Responses door). The request continues on its own event loop, and a
 * throw while the step's outcome is handled (here the door cannot map its own step's failure: an
 * injected fault, since the real doors do not fail there) is answered as a 500 {@code
 * internal_error} and the request walked back, instead of escaping into Vert.x and leaving the
 * client waiting.
 */
class AsyncContinuationTest {
  private final Vertx vertx = Vertx.vertx();

  /** Where the narrowed plan comes from: another event loop, as a Redis client's answer. */
  private final Vertx elsewhere = Vertx.vertx();

  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<RequestContext> walkedBack = new CopyOnWriteArrayList<>();
  private final AtomicReference<Boolean> answeredOnItsLoop = new AtomicReference<>();

  private final PlannedTarget target =
      new PlannedTarget(
          TestTables.target("up", "m", 0),
          TestTables.provider("up", "http://127.0.0.1:1/v1", false),
          PlannedTarget.STABLE);

  @AfterEach
  void stop() throws Exception {
    elsewhere.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aPlanNarrowedOnAnotherLoopContinuesOnTheRequestsOwnLoop() throws Exception {
    HttpResponse<String> r = send(new NarrowingDoor(false));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(answeredOnItsLoop.get()).isTrue();
  }

  @Test
  void aThrowWhileTheStepsOutcomeIsHandledIsAnsweredAndWalkedBack() throws Exception {
    HttpResponse<String> r = send(new NarrowingDoor(true));

    assertThat(r.statusCode()).isEqualTo(500);
    JsonNode error = GatewayHarness.JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("internal_error");
    assertThat(error.path("message").asText()).contains("Request id: req");
    await().atMost(Duration.ofSeconds(10)).until(() -> walkedBack.size() == 1);
    assertThat(walkedBack.get(0).status()).isEqualTo(500);
    assertThat(walkedBack.get(0).errorClass()).isEqualTo("internal");
    assertThat(answeredOnItsLoop.get()).isNull(); // nothing after the plan stage ran
  }

  /** The narrowing step's own failure, which the door (by an injected fault) cannot map. */
  private static final class NarrowingFailed extends RuntimeException {
    NarrowingFailed() {
      super("narrowing failed");
    }
  }

  /**
   * The chat completions door, narrowing every plan on {@link #elsewhere}'s event loop: to the same
   * plan, or failing with {@link NarrowingFailed}, which its {@link #answerError} throws at.
   */
  private final class NarrowingDoor extends ForwardingFrontDoor {
    private final boolean fails;

    NarrowingDoor(boolean fails) {
      super(new ChatCompletionsFrontDoor());
      this.fails = fails;
    }

    @Override
    public Future<List<PlannedTarget>> narrowPlan(
        ObjectNode request, ChatForm form, List<PlannedTarget> plan, RequestContext ctx) {
      // A future bound to no context: its listeners run where it completes, on the other loop.
      CompletableFuture<List<PlannedTarget>> narrowed = new CompletableFuture<>();
      elsewhere.runOnContext(
          v -> {
            if (fails) {
              narrowed.completeExceptionally(new NarrowingFailed());
            } else {
              narrowed.complete(plan);
            }
          });
      return Future.fromCompletionStage(narrowed);
    }

    @Override
    public OpenAiError answerError(OpenAiError mapped, Throwable cause) {
      if (cause instanceof NarrowingFailed) {
        throw new IllegalStateException("the door cannot map its own failure");
      }
      return door.answerError(mapped, cause);
    }
  }

  private HttpResponse<String> send(FrontDoor door) throws Exception {
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
    Stage decode =
        exchange -> {
          exchange.body(
              GatewayHarness.JSON
                  .createObjectNode()
                  .put("model", "m")
                  .set("messages", GatewayHarness.JSON.createArrayNode()));
          exchange.plan(List.of(target)); // pinned, so the plan stage only narrows it
          return true;
        };
    Stage answer =
        exchange -> {
          answeredOnItsLoop.set(Vertx.currentContext() == exchange.context());
          exchange.response().setStatusCode(200).end("{}");
          exchange.finish(200, "success", null);
          return false;
        };
    Pipeline pipeline = new Pipeline(List.of(log, decode, new PlanStage(null), answer));
    HttpServer server = LoopbackPipeline.serve(vertx, pipeline, door, clock);
    // Without the fix a throw there leaves the request unanswered: the client gives up.
    return LoopbackPipeline.post(http, server, "{}", Duration.ofSeconds(5));
  }
}
