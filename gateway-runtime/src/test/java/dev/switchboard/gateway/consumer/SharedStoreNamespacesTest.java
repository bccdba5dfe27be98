package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.priced;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.state.RedisProcess;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateways of two namespaces on one real redis-server, each with the default key prefix and a
 * Consumer of the same name: neither sees the other's spend, cached answers or keys; a prefix given
 * explicitly is used as it is.
 */
class SharedStoreNamespacesTest {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static RedisProcess redis;
  static final ManualClock clock = new ManualClock();
  static final List<GatewayHarness> gateways = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("gpt-4o-mini", "gpt-4.1"));
    Path consumers =
        ConsumerFixture.writeConsumers(dir, ConsumerFixture.consumer("app", "sk-app", 100.0));
    RoutingTable table =
        TestTables.table(
            List.of(
                TestTables.provider(
                    "mock",
                    "openai-compatible",
                    mock.baseUrl(),
                    true,
                    Map.of("gpt-4o-mini", priced(1.0, 2.0)),
                    null),
                // Responses-native: it stores the responses, whose ids the gateways share.
                TestTables.provider("openai", "openai", mock.baseUrl(), true, Map.of(), null)),
            List.of(
                cachePolicy(
                    "shared",
                    new RoutingTable.Cache(
                        true, 600_000L, 1000, false, null, null, null, null, 0.3, null, true))),
            List.of(
                policyRoute("chat", "shared", target("mock", "gpt-4o-mini", 0)),
                TestTables.route("native", List.of(), target("openai", "gpt-4.1", 0))));
    for (String namespace : List.of("team-a", "team-b")) {
      gateways.add(
          GatewayHarness.start(
              vertx,
              Files.createDirectories(dir.resolve(namespace)),
              table,
              Map.of("mock", "sk-provider", "openai", "sk-provider"),
              o ->
                  o.withNamespace(namespace)
                      .withConsumers(
                          ConsumerOptions.defaults()
                              .withConsumersFile(consumers)
                              .withStateStore(redis.uri())),
              clock));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayHarness g : gateways) {
      g.close();
    }
    mock.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> ask(int gateway, String question) throws Exception {
    return gateways
        .get(gateway)
        .post(
            "/v1/chat/completions",
            "{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\""
                + question
                + "\"}]}",
            "authorization",
            "Bearer sk-app");
  }

  static long spentToday(int gateway) throws Exception {
    String day = LocalDate.ofInstant(clock.asJavaClock().instant(), ZoneOffset.UTC).toString();
    return gateways
        .get(gateway)
        .server()
        .consumerLimiter()
        .store()
        .spend("app", day, day.substring(0, 7))
        .toCompletionStage()
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS)
        .dayNanoUsd();
  }

  static List<String> keys(String pattern) throws Exception {
    Redis client = Redis.createClient(vertx, redis.uri());
    try {
      List<String> names = new ArrayList<>();
      Response all =
          client
              .send(Request.cmd(Command.KEYS).arg(pattern))
              .toCompletionStage()
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      for (Response r : all) {
        names.add(r.toString());
      }
      return names;
    } finally {
      client.close();
    }
  }

  @Test
  void aNamespaceNeverSeesAnotherNamespacesSpendCachedAnswersOrKeys() throws Exception {
    HttpResponse<String> first = ask(0, "What is the capital of Peru?");
    assertThat(first.statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> !keys("*cache:*").isEmpty());
    await().atMost(Duration.ofSeconds(5)).until(() -> spentToday(0) > 0);

    // The same consumer name in the other namespace is another consumer: nothing spent yet, and
    // the same question is not answered from team-a's cache.
    assertThat(Spend.toUsd(spentToday(1))).isZero();
    HttpResponse<String> other = ask(1, "What is the capital of Peru?");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.headers().firstValue("x-switchboard-cache")).contains("miss");
    assertThat(mock.attempts("gpt-4o-mini")).isEqualTo(2);

    assertThat(keys("*"))
        .isNotEmpty()
        .allSatisfy(
            key -> assertThat(key).matches("switchboard:team-(a|b):.*").doesNotContain("sk-app"));
    assertThat(keys("switchboard:team-a:*cache:*")).hasSize(1);
    assertThat(keys("switchboard:team-b:*cache:*")).hasSize(1);
  }

  @Test
  void aStoredResponseIsUnknownToTheSameConsumerNameInAnotherNamespace() throws Exception {
    HttpResponse<String> created =
        gateways
            .get(0)
            .post(
                "/v1/responses",
                "{\"model\":\"native\",\"input\":\"Something of team-a's\"}",
                "authorization",
                "Bearer sk-app");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String id = GatewayHarness.json(created.body()).get("id").asText();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> keys("switchboard:team-a:responses:" + id).size() == 1);

    HttpResponse<String> own = get(0, "/v1/responses/" + id);
    assertThat(own.statusCode()).isEqualTo(200);
    HttpResponse<String> elsewhere = get(1, "/v1/responses/" + id);
    assertThat(elsewhere.statusCode()).isEqualTo(404);
    assertThat(elsewhere.body()).doesNotContain("Something of team-a's");
  }

  static HttpResponse<String> get(int gateway, String path) throws Exception {
    return gateways
        .get(gateway)
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(gateways.get(gateway).origin() + path))
                .timeout(Duration.ofSeconds(10))
                .header("authorization", "Bearer sk-app")
                .GET()
                .build());
  }

  @Test
  void anExplicitPrefixIsUsedAsItIsAndFileModeKeepsTheOldDefault() {
    ConsumerOptions given = ConsumerOptions.defaults().withStateStorePrefix("switchboard:");
    assertThat(given.stateStorePrefixIn("team-a")).isEqualTo("switchboard:");
    assertThat(ConsumerOptions.defaults().stateStorePrefixIn("team-a"))
        .isEqualTo("switchboard:team-a:");
    assertThat(ConsumerOptions.defaults().stateStorePrefixIn(null)).isEqualTo("switchboard:");
  }
}
