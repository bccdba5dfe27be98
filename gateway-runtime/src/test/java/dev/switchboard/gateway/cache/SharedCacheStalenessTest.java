package dev.switchboard.gateway.cache;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the shared exact cache ({@code cache.shared: true}, one real redis-server, two replicas)
 * must stop serving when the world it answered for changed on another replica: an answer of the
 * server a target was before a reload (one replica still on the old table while the other loaded
 * the new one), and a stored Response deleted through the other replica.
 */
class SharedCacheStalenessTest {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider first;
  static MockProvider second;
  static RedisProcess redis;
  static final List<GatewayHarness> replicas = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    MockProviderOptions options =
        new MockProviderOptions().keys("sk-provider").models("moved-model", "responses-model");
    first = MockProvider.startBlocking(vertx, options);
    second = MockProvider.startBlocking(vertx, options);
    for (int i = 0; i < 2; i++) {
      Path own = Files.createDirectories(dir.resolve("replica-" + i));
      replicas.add(
          GatewayHarness.start(
              vertx,
              own,
              table(first.baseUrl()),
              Map.of("mock", "sk-provider", "openai", "sk-provider"),
              // What is shared is under test here, not how fast: a loaded build machine can take
              // longer than the default deadline, which would make lookups misses.
              o ->
                  o.withConsumers(
                      ConsumerOptions.defaults()
                          .withStateStore(redis.uri())
                          .withStateStoreTimeoutMs(5_000)),
              null));
    }
  }

  /** The shared-cache routes, the provider {@code mock} at {@code baseUrl}. */
  static RoutingTable table(String baseUrl) {
    RoutingTable.Cache shared =
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, true);
    return RoutingTableCodec.versioned(
        new RoutingTable(
            RoutingTable.SCHEMA_VERSION,
            null,
            "test",
            Map.of(
                "mock",
                provider("mock", baseUrl, true),
                "openai",
                provider("openai", "openai", first.baseUrl(), true, Map.of(), null)),
            Map.of("shared", cachePolicy("shared", shared)),
            List.of(
                policyRoute("moved", "shared", target("mock", "moved-model", 0)),
                policyRoute("responses", "shared", target("openai", "responses-model", 0)))));
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayHarness r : replicas) {
      r.close();
    }
    first.close();
    second.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> post(int replica, String path, String body) throws Exception {
    return replicas.get(replica).post(path, body, "authorization", "Bearer sk-tenant");
  }

  static String outcome(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("x-switchboard-cache").orElse("none");
  }

  static String ask(int replica, String question) throws Exception {
    return outcome(
        post(
            replica,
            "/v1/chat/completions",
            "{\"model\":\"moved\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
                + "\"content\":\""
                + question
                + "\"}]}"));
  }

  /** Answers in Redis now. */
  static int stored() throws Exception {
    Redis client = Redis.createClient(vertx, redis.uri());
    try {
      return client
          .send(Request.cmd(Command.KEYS).arg("*cache:*"))
          .toCompletionStage()
          .toCompletableFuture()
          .get(5, TimeUnit.SECONDS)
          .size();
    } finally {
      client.close();
    }
  }

  /** An answer is written after it was sent: waits until Redis holds more than {@code before}. */
  static void awaitStoredAbove(int before) {
    await().atMost(Duration.ofSeconds(5)).until(() -> stored() > before);
  }

  @Test
  void aReplicaOnTheOldTableNeverStoresTheOldServersAnswerForTheNewOne() throws Exception {
    RoutingTable moved = table(second.baseUrl());
    replicas.get(0).writeTable(moved);
    replicas.get(0).awaitConfigVersion(RoutingTableCodec.configVersionOf(moved));

    // Replica 1 still serves the old table: its answer comes from the first server.
    int before = stored();
    long old = first.attempts("moved-model");
    assertThat(ask(1, "Where does this go?")).isEqualTo("miss");
    assertThat(first.attempts("moved-model") - old).isEqualTo(1);
    awaitStoredAbove(before);

    // Replica 0 is on the new table: the first server's answer is not one it could get now.
    long now = second.attempts("moved-model");
    assertThat(ask(0, "Where does this go?")).isEqualTo("miss");
    assertThat(second.attempts("moved-model") - now).isEqualTo(1);
    awaitStoredAbove(before + 1);

    // Once replica 1 loaded the new table too, both share the second server's answer.
    replicas.get(1).writeTable(moved);
    replicas.get(1).awaitConfigVersion(RoutingTableCodec.configVersionOf(moved));
    assertThat(ask(1, "Where does this go?")).isEqualTo("hit");
    assertThat(second.attempts("moved-model") - now).isEqualTo(1);
  }

  /**
   * A stored Response deleted through replica 0 while replica 1 holds a near copy of its cached
   * answer, of a follow-up's, and of where it lives: replica 1 neither hands the deleted response
   * out again nor answers the follow-up from its cache; the follow-up is refused as the deletion
   * requires, and the repeat gets a new response from the provider.
   */
  @Test
  void aStoredResponseDeletedThroughOneReplicaIsNotReplayedByTheOther() throws Exception {
    String ask =
        "{\"model\":\"responses\",\"temperature\":0,\"store\":true,\"input\":\"Name a comet\"}";
    int before = stored();
    HttpResponse<String> made = post(0, "/v1/responses", ask);
    assertThat(outcome(made)).isEqualTo("miss");
    String id = GatewayHarness.json(made.body()).path("id").asText();
    awaitStoredAbove(before);
    HttpResponse<String> shared = post(1, "/v1/responses", ask);
    assertThat(outcome(shared)).isEqualTo("hit");
    assertThat(GatewayHarness.json(shared.body()).path("id").asText()).isEqualTo(id);
    String followUp =
        "{\"model\":\"responses\",\"temperature\":0,\"input\":\"Its period?\","
            + "\"previous_response_id\":\""
            + id
            + "\"}";
    assertThat(outcome(post(1, "/v1/responses", followUp))).isEqualTo("miss");
    awaitStoredAbove(before + 1);
    assertThat(outcome(post(1, "/v1/responses", followUp))).isEqualTo("hit");

    HttpResponse<String> deleted = delete(0, id);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);

    long upstream = first.attempts("responses-model");
    HttpResponse<String> again = post(1, "/v1/responses", ask);
    assertThat(outcome(again)).isEqualTo("miss");
    assertThat(GatewayHarness.json(again.body()).path("id").asText()).isNotEqualTo(id);
    assertThat(first.attempts("responses-model") - upstream).isEqualTo(1);

    HttpResponse<String> refused = post(1, "/v1/responses", followUp);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(GatewayHarness.json(refused.body()).path("error").path("code").asText())
        .isEqualTo("previous_response_not_found");
    assertThat(replicas.get(1).get("/v1/responses/" + id).statusCode()).isEqualTo(404);
  }

  static HttpResponse<String> delete(int replica, String id) throws Exception {
    return replicas
        .get(replica)
        .send(
            HttpRequest.newBuilder(
                    URI.create(replicas.get(replica).origin() + "/v1/responses/" + id))
                .header("authorization", "Bearer sk-tenant")
                .DELETE()
                .build());
  }
}
