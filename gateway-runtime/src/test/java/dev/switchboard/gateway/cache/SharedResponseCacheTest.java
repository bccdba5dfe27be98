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
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cache.shared: true} with three gateway replicas in one JVM sharing one real redis-server:
 * an answer stored through one replica is a hit on the others (JSON and stream), tenants stay apart
 * across replicas, Redis holds only hashed names and encrypted values, and with Redis killed
 * requests are answered upstream as misses (nothing fails, nothing hangs) until it is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedResponseCacheTest {

  @TempDir static Path dir;
  static Vertx vertx;
  static MockProvider mock;
  static RedisProcess redis;
  static final List<GatewayHarness> replicas = new ArrayList<>();
  static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisProcess.start();
    mock =
        MockProvider.startBlocking(
            vertx,
            new MockProviderOptions().keys("sk-provider").models("shared-model", "local-model"));
    Map<String, RoutingTable.Policy> policies = new TreeMap<>();
    policies.put("shared", cachePolicy("shared", cache(true)));
    policies.put("local", cachePolicy("local", cache(false)));
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "test",
                Map.of("mock", provider("mock", mock.baseUrl(), true)),
                policies,
                List.of(
                    policyRoute("shared", "shared", target("mock", "shared-model", 0)),
                    policyRoute("local", "local", target("mock", "local-model", 0)))));
    for (int i = 0; i < 3; i++) {
      Path own = Files.createDirectories(dir.resolve("replica-" + i));
      replicas.add(
          GatewayHarness.start(
              vertx,
              own,
              table,
              Map.of("mock", "sk-provider"),
              // A loaded build machine can take longer than the default 50 ms cache deadline
              // (a fifth of the store's), which makes every lookup a miss for a second: these
              // tests are about sharing, so the deadline is 1 s. Outages here are refused
              // connections, which fail at once whatever the deadline.
              o ->
                  o.withConsumers(
                      ConsumerOptions.defaults()
                          .withStateStore(redis.uri())
                          .withStateStoreTimeoutMs(5_000)),
              null));
    }
  }

  static RoutingTable.Cache cache(boolean shared) {
    return new RoutingTable.Cache(
        true, 600_000L, 1000, false, null, null, null, null, 0.3, null, shared);
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayHarness r : replicas) {
      r.close();
    }
    mock.close();
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Cached answers in Redis now. */
  static int stored() throws Exception {
    Redis client = Redis.createClient(vertx, redis.uri());
    try {
      return send(client, Request.cmd(Command.KEYS).arg("*cache:*")).size();
    } finally {
      client.close();
    }
  }

  /**
   * Waits until Redis holds {@code count} answers: an answer is written after it was sent to the
   * client, so another replica asked at once may still miss.
   */
  static void awaitStored(int count) {
    await().atMost(Duration.ofSeconds(5)).until(() -> stored() >= count);
  }

  static HttpResponse<String> ask(
      int replica, String model, String key, String question, boolean stream) throws Exception {
    String body =
        "{\"model\":\""
            + model
            + "\",\"temperature\":0,\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\""
            + question
            + "\"}]}";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(replicas.get(replica).origin() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(5)) // nothing may hang, whatever Redis does
            .header("content-type", "application/json")
            .header("authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  static String outcome(HttpResponse<String> response) {
    return response.headers().firstValue("x-switchboard-cache").orElse("none");
  }

  @Test
  @Order(1)
  void anAnswerStoredThroughOneReplicaIsAHitOnTheOthers() throws Exception {
    long before = mock.attempts("shared-model");
    HttpResponse<String> a = ask(0, "shared", "sk-tenant-a", "What is the capital of Peru?", false);
    awaitStored(1);
    HttpResponse<String> b = ask(1, "shared", "sk-tenant-a", "What is the capital of Peru?", false);
    HttpResponse<String> c = ask(2, "shared", "sk-tenant-a", "What is the capital of Peru?", false);

    assertThat(a.statusCode()).isEqualTo(200);
    assertThat(outcome(a)).isEqualTo("miss");
    assertThat(outcome(b)).isEqualTo("hit");
    assertThat(outcome(c)).isEqualTo("hit");
    assertThat(b.body()).isEqualTo(a.body());
    assertThat(c.body()).isEqualTo(a.body());
    assertThat(mock.attempts("shared-model") - before).isEqualTo(1);
  }

  @Test
  @Order(2)
  void aStreamStoredThroughOneReplicaIsReplayedByAnother() throws Exception {
    long before = mock.attempts("shared-model");
    HttpResponse<String> a = ask(2, "shared", "sk-tenant-a", "Name three rivers.", true);
    awaitStored(2);
    HttpResponse<String> b = ask(0, "shared", "sk-tenant-a", "Name three rivers.", true);

    assertThat(outcome(a)).isEqualTo("miss");
    assertThat(outcome(b)).isEqualTo("hit");
    assertThat(b.body()).contains("data: [DONE]");
    assertThat(contentOf(b.body())).isEqualTo(contentOf(a.body())).isNotEmpty();
    assertThat(mock.attempts("shared-model") - before).isEqualTo(1);
  }

  @Test
  @Order(3)
  void anotherTenantNeverGetsTheAnswerOnAnyReplica() throws Exception {
    ask(0, "shared", "sk-tenant-a", "Which port does Redis use?", false);
    awaitStored(3);
    long before = mock.attempts("shared-model");
    for (int replica = 0; replica < 3; replica++) {
      HttpResponse<String> other =
          ask(replica, "shared", "sk-tenant-b", "Which port does Redis use?", false);
      // The first asks upstream; the others are tenant b's own answer, shared among its replicas.
      assertThat(outcome(other)).isEqualTo(replica == 0 ? "miss" : "hit");
      awaitStored(4);
    }
    assertThat(mock.attempts("shared-model") - before).isEqualTo(1);
  }

  @Test
  @Order(4)
  void withoutSharedEachReplicaKeepsItsOwnCache() throws Exception {
    long before = mock.attempts("local-model");
    assertThat(outcome(ask(0, "local", "sk-tenant-a", "Local question", false))).isEqualTo("miss");
    assertThat(outcome(ask(1, "local", "sk-tenant-a", "Local question", false))).isEqualTo("miss");
    assertThat(outcome(ask(1, "local", "sk-tenant-a", "Local question", false))).isEqualTo("hit");
    assertThat(mock.attempts("local-model") - before).isEqualTo(2);
  }

  @Test
  @Order(5)
  void redisHoldsOnlyHashedNamesAndEncryptedAnswers() throws Exception {
    HttpResponse<String> a =
        ask(1, "shared", "sk-tenant-secret", "My private question about Zanzibar", false);
    assertThat(outcome(a)).isEqualTo("miss");
    Redis client = Redis.createClient(vertx, redis.uri());
    try {
      List<String> names = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                names.clear();
                for (Response r : send(client, Request.cmd(Command.KEYS).arg("*cache:*"))) {
                  names.add(r.toString());
                }
                assertThat(names).hasSizeGreaterThanOrEqualTo(5);
              });
      for (String name : names) {
        assertThat(name).matches("switchboard:cache:[0-9a-f]{64}");
        byte[] value = send(client, Request.cmd(Command.GET).arg(name)).toBytes();
        String asText = new String(value, StandardCharsets.ISO_8859_1);
        assertThat(asText).doesNotContain("Zanzibar").doesNotContain("chat.completion");
        long ttl = send(client, Request.cmd(Command.PTTL).arg(name)).toLong();
        assertThat(ttl).isBetween(1L, 600_000L);
      }
    } finally {
      client.close();
    }
  }

  @Test
  @Order(6)
  void withRedisDownRequestsGoUpstreamAsMissesAndSharingResumesWhenItIsBack() throws Exception {
    redis.kill();
    try {
      long before = mock.attempts("shared-model");
      for (int replica = 0; replica < 3; replica++) {
        HttpResponse<String> r = ask(replica, "shared", "sk-tenant-a", "During the outage", false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(outcome(r)).isEqualTo("miss");
      }
      assertThat(mock.attempts("shared-model") - before).isEqualTo(3);
      // The replica that stored it last still has it near.
      assertThat(outcome(ask(2, "shared", "sk-tenant-a", "During the outage", false)))
          .isEqualTo("hit");
    } finally {
      redis.startAgain();
    }
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              String question = "After the outage " + System.nanoTime();
              int count = stored();
              ask(0, "shared", "sk-tenant-a", question, false);
              long until = System.nanoTime() + 1_000_000_000L;
              while (stored() <= count && System.nanoTime() < until) {
                Thread.sleep(20);
              }
              assertThat(stored()).isGreaterThan(count);
              assertThat(outcome(ask(1, "shared", "sk-tenant-a", question, false)))
                  .isEqualTo("hit");
            });
  }

  /**
   * An entry whose key someone overwrote with another type: Redis refuses that lookup (WRONGTYPE),
   * which is a miss for that request only — the next lookup, of an intact entry, is a hit at once.
   * A refusal counted as an outage would have turned every lookup into a miss for a second.
   */
  @Test
  @Order(7)
  void anEntryWhoseKeyHoldsAnotherTypeIsAMissAndTheCacheStaysShared() throws Exception {
    List<String> before = names();
    assertThat(outcome(ask(0, "shared", "sk-tenant-a", "Damaged entry", false))).isEqualTo("miss");
    awaitStored(before.size() + 1);
    List<String> damaged = names();
    damaged.removeAll(before);
    assertThat(damaged).hasSize(1);
    assertThat(outcome(ask(0, "shared", "sk-tenant-a", "Intact entry", false))).isEqualTo("miss");
    awaitStored(before.size() + 2);
    Redis client = Redis.createClient(vertx, redis.uri());
    try {
      send(client, Request.cmd(Command.DEL).arg(damaged.get(0)));
      send(client, Request.cmd(Command.LPUSH).arg(damaged.get(0)).arg("not an answer"));
    } finally {
      client.close();
    }
    long upstream = mock.attempts("shared-model");
    HttpResponse<String> refused = ask(1, "shared", "sk-tenant-a", "Damaged entry", false);
    assertThat(refused.statusCode()).isEqualTo(200);
    assertThat(outcome(refused)).isEqualTo("miss");
    assertThat(mock.attempts("shared-model") - upstream).isEqualTo(1);
    assertThat(outcome(ask(1, "shared", "sk-tenant-a", "Intact entry", false))).isEqualTo("hit");
  }

  /** The names of the answers in Redis now. */
  static List<String> names() throws Exception {
    Redis client = Redis.createClient(vertx, redis.uri());
    try {
      List<String> names = new ArrayList<>();
      for (Response r : send(client, Request.cmd(Command.KEYS).arg("*cache:*"))) {
        names.add(r.toString());
      }
      return names;
    } finally {
      client.close();
    }
  }

  static Response send(Redis client, Request request) throws Exception {
    return client.send(request).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** The streamed text: every {@code delta.content} in order. */
  static String contentOf(String sse) {
    StringBuilder text = new StringBuilder();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: {")) {
        try {
          var node = GatewayHarness.JSON.readTree(line.substring(6));
          var choices = node.path("choices");
          if (choices.size() > 0) {
            text.append(choices.get(0).path("delta").path("content").asText(""));
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return text.toString();
  }
}
