package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.mock.MockProvider;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With consumer keys in force the cache partition's tenant is the consumer (docs/CACHING.md): all
 * keys of one consumer share its answers, another consumer asking the very same question on the
 * same route never gets them — neither from the exact cache nor from the semantic index. One
 * gateway without a shared store, in front of the mock provider.
 */
class ConsumerCacheIsolationIT {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final HttpClient http = ConsumerFixture.http();

  @BeforeAll
  static void start() throws Exception {
    // Team A has two keys (say one per service), team B one.
    ConsumerTable.Consumer teamA =
        new ConsumerTable.Consumer(
            "team-a",
            List.of(KeyDigest.of("sk-team-a-one"), KeyDigest.of("sk-team-a-two")),
            null,
            List.of(),
            null,
            null,
            Map.of());
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir, teamA, ConsumerFixture.consumer("team-b", "sk-team-b", null));
    RoutingTable.Cache exactOnly =
        new RoutingTable.Cache(
            true, 600_000L, 1000, false, null, null, null, null, 0.3, null, null);
    // No exact cache: a repeat can only be answered from the semantic index.
    RoutingTable.Cache semanticOnly =
        new RoutingTable.Cache(
            false, null, null, true, 0.9, 3_600_000L, 1000, null, 0.3, null, null);
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            m ->
                TestTables.table(
                    List.of(TestTables.provider("mock", m.baseUrl(), true)),
                    List.of(cachePolicy("exact", exactOnly), cachePolicy("semantic", semanticOnly)),
                    List.of(
                        policyRoute("exact", "exact", target("mock", "exact-model", 0)),
                        policyRoute("semantic", "semantic", target("mock", "semantic-model", 0)))),
            "mock",
            null);
    mock = gateway.mock();
    // What is served is under test here, not how fast: the first embedding loads the model.
    gateway.server().responseCache().semanticDeadlineMs(60_000);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static HttpResponse<String> ask(String route, String key, String question) throws Exception {
    HttpResponse<String> answer =
        http.send(
            ConsumerFixture.post(
                gateway,
                "/v1/chat/completions",
                key,
                "{\"model\":\""
                    + route
                    + "\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\""
                    + question
                    + "\"}]}"),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return answer;
  }

  static String cache(HttpResponse<String> answer) {
    return answer.headers().firstValue("x-switchboard-cache").orElse(null);
  }

  @Test
  void anotherConsumerNeverGetsAnExactAnswerButTheSameConsumersOtherKeyDoes() throws Exception {
    String question = "What is our internal escalation phone number?";
    long before = mock.attempts("exact-model");

    assertThat(cache(ask("exact", "sk-team-a-one", question))).isEqualTo("miss");
    // The answer is stored: team A's other key gets it without a call.
    assertThat(cache(ask("exact", "sk-team-a-two", question))).isEqualTo("hit");
    assertThat(mock.attempts("exact-model") - before).isEqualTo(1);
    // Team B asks the same on the same route: never team A's answer.
    assertThat(cache(ask("exact", "sk-team-b", question))).isEqualTo("miss");
    assertThat(mock.attempts("exact-model") - before).isEqualTo(2);
    // And B's own answer is B's: its repeat is a hit.
    assertThat(cache(ask("exact", "sk-team-b", question))).isEqualTo("hit");
    assertThat(mock.attempts("exact-model") - before).isEqualTo(2);
  }

  @Test
  void anotherConsumerNeverGetsASemanticAnswerButTheSameConsumersOtherKeyDoes() throws Exception {
    String question = "Summarise the roadmap our team shared last quarter";
    long before = mock.attempts("semantic-model");

    long held = gateway.server().responseCache().bytes();
    assertThat(cache(ask("semantic", "sk-team-a-one", question))).isEqualTo("miss");
    // The answer is indexed as its request walks back, which may end after the client has it.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> gateway.server().responseCache().bytes() > held);
    // Indexed, and found from team A's other key (the same text: similarity 1).
    assertThat(cache(ask("semantic", "sk-team-a-two", question))).isEqualTo("semantic");
    assertThat(mock.attempts("semantic-model") - before).isEqualTo(1);
    // The entry is there, and team B's identical question is still never answered with it.
    assertThat(cache(ask("semantic", "sk-team-b", question))).isEqualTo("miss");
    assertThat(mock.attempts("semantic-model") - before).isEqualTo(2);
  }
}
