package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
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
 * through without reading the wall clock. Against the real mock provider over loopback HTTP.
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
