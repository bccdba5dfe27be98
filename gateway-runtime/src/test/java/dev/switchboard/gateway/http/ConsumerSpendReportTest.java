package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.consumer.ConsumerAccess;
import dev.switchboard.gateway.consumer.ConsumerLimiter;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.ManualClock;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /admin/consumers} with thousands of consumers against a real redis-server: one
 * document with every consumer's spend, read in a few commands (not one per consumer, which put
 * thousands of commands and deadlines into one turn of the event loop), and a report whose read
 * times out does not mark the shared store down for the requests. Time is a manual clock.
 */
class ConsumerSpendReportTest {

  private static final int CONSUMERS = 3_000;
  private static final String PREFIX = "sb:";
  private static final long COMMAND_TIMEOUT_MS = 250;

  // 2026-05-14T12:00:00Z
  private final ManualClock clock = new ManualClock(1_778_760_000_000L);
  private final String day = "2026-05-14";
  private final String month = "2026-05";

  private Vertx vertx;
  private RedisProcess redis;
  private Redis admin;
  private RedisStateStore store;
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    redis = RedisProcess.start();
    admin = Redis.createClient(vertx, redis.uri());
    store = new RedisStateStore(vertx, clock, redis.uri(), null, null, PREFIX, COMMAND_TIMEOUT_MS);
    ConsumerAccess access = new ConsumerAccess(false);
    List<ConsumerTable.Consumer> table = new ArrayList<>();
    table.add(consumer("untracked-first", null));
    for (int i = 0; i < CONSUMERS; i++) {
      table.add(consumer("team-" + i, new ConsumerTable.Budget(100.0, null)));
    }
    table.add(consumer("untracked-last", null));
    assertThat(
            access.onConsumerTable(
                new ConsumerTable(ConsumerTable.SCHEMA_VERSION, table).toJson(), "test"))
        .isTrue();
    ConsumerSpendHandler handler =
        new ConsumerSpendHandler(access, new ConsumerLimiter(store), clock);
    Router router = Router.router(vertx);
    router.get("/admin/consumers").handler(handler::handle);
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
  void stop() throws Exception {
    store.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    redis.close();
  }

  private static ConsumerTable.Consumer consumer(String name, ConsumerTable.Budget budget) {
    return new ConsumerTable.Consumer(
        name, List.of(KeyDigest.of("sk-" + name)), null, List.of(), budget, "deny", Map.of());
  }

  private Response redis(Request command) throws Exception {
    return admin.send(command).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Day spend of consumer {@code i} in nano-USD; its month spend is twice that. */
  private static long daySpend(int i) {
    return (i + 1) * 1_000_000L;
  }

  /** Writes the spend counters as the store's scripts keep them (a consumer's keys hash-tagged). */
  private void seedSpend() throws Exception {
    for (int from = 0; from < CONSUMERS; from += 500) {
      Request mset = Request.cmd(Command.MSET);
      for (int i = from; i < Math.min(from + 500, CONSUMERS); i++) {
        String base = PREFIX + "{team-" + i + "}:";
        mset.arg(base + "spent:d:" + day).arg(daySpend(i));
        mset.arg(base + "spent:m:" + month).arg(2 * daySpend(i));
      }
      redis(mset);
    }
  }

  private long commandCalls(String command) throws Exception {
    String stats = redis(Request.cmd(Command.INFO).arg("commandstats")).toString();
    Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(stats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private CompletableFuture<HttpResponse<String>> report() {
    return HttpClient.newHttpClient()
        .sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/admin/consumers"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thousandsOfConsumersAreReportedInOneDocumentReadInAFewCommands() throws Exception {
    seedSpend();
    redis(Request.cmd(Command.CONFIG).arg("RESETSTAT"));

    HttpResponse<String> r = report().get(30, TimeUnit.SECONDS);

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode doc = GatewayHarness.json(r.body());
    assertThat(doc.path("day").asText()).isEqualTo(day);
    assertThat(doc.path("month").asText()).isEqualTo(month);
    assertThat(doc.path("shared").asBoolean()).isTrue();
    JsonNode rows = doc.path("consumers");
    assertThat(rows).hasSize(CONSUMERS + 2);
    assertThat(rows.path(0).path("name").asText()).isEqualTo("untracked-first");
    assertThat(rows.path(0).path("tracked").asBoolean()).isFalse();
    assertThat(rows.path(0).has("todayUsd")).isFalse();
    assertThat(rows.path(CONSUMERS + 1).path("name").asText()).isEqualTo("untracked-last");
    assertThat(rows.path(CONSUMERS + 1).path("tracked").asBoolean()).isFalse();
    for (int i = 0; i < CONSUMERS; i++) {
      JsonNode row = rows.path(i + 1);
      assertThat(row.path("name").asText()).isEqualTo("team-" + i);
      assertThat(row.path("tracked").asBoolean()).isTrue();
      assertThat(row.path("todayUsd").asDouble()).isEqualTo(Spend.toUsd(daySpend(i)));
      assertThat(row.path("monthUsd").asDouble()).isEqualTo(Spend.toUsd(2 * daySpend(i)));
    }
    // A command per batch of consumers, not one per consumer.
    long mgets = commandCalls("mget");
    assertThat(mgets).isPositive().isLessThanOrEqualTo(CONSUMERS / 100);
    assertThat(store.unavailable()).isFalse();
  }

  @Test
  void aReportWhoseReadTimesOutLeavesTheStoreInUseForRequests() throws Exception {
    // Redis holds every command for a while: the report's read gets no answer in time.
    redis(Request.cmd(Command.CLIENT).arg("PAUSE").arg(3_000));
    CompletableFuture<HttpResponse<String>> pending = report();
    await().atMost(Duration.ofSeconds(10)).until(() -> !clock.pendingDelaysMillis().isEmpty());

    clock.advance(60_000);

    HttpResponse<String> r = pending.get(30, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("state_store_unavailable");
    assertThat(store.unavailable()).isFalse();
  }
}
