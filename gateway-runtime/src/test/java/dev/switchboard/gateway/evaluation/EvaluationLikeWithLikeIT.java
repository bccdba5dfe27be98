package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation pairs compare like with like: a request whose first planned target is not the
 * evaluation's baseline is not mirrored (its pairs would be pooled into the baseline's figures), a
 * candidate is never compared with itself, and a mirror that is never sent (no key) is counted as
 * skipped, not as the candidate's failure; a request whose baseline or every candidate is skipped
 * sends nothing at all.
 */
class EvaluationLikeWithLikeIT {

  static final int REQUESTS = 40;

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-t")
                .models("base", "other", "wordy", "fallback", "unpaired")
                .persona("base", 1.0, 0.0)
                .persona("other", 1.0, 0.0)
                .persona("wordy", 1.25, 0.0)
                .persona("fallback", 1.0, 0.0)
                .persona("unpaired", 1.25, 0.0),
            EvaluationLikeWithLikeIT::table,
            Map.of("mock", "sk-t"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    // "elsewhere" serves from "other" first (its baseline "base" only on failover), "self" lists
    // its baseline among the candidates, "keyless" has a candidate whose provider has no key.
    RoutingTable.Route elsewhere =
        new RoutingTable.Route(
                "elsewhere",
                "elsewhere",
                List.of(),
                null,
                1,
                List.of(target("mock", "other", 0), target("mock", "base", 1)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1", List.of(target("mock", "wordy", 0)), 1.0, null, null, "mock/base"));
    RoutingTable.Route self =
        new RoutingTable.Route(
                "self",
                "self",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e2",
                    List.of(target("mock", "base", 0), target("mock", "wordy", 0)),
                    1.0,
                    null,
                    null,
                    "mock/base"));
    RoutingTable.Route keyless =
        new RoutingTable.Route(
                "keyless",
                "keyless",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e3", List.of(target("nokey", "wordy", 0)), 1.0, null, null, "mock/base"));
    // "unkeyed-baseline": its baseline's provider has no key, so the client is served by the
    // fallback (failover) and the baseline's mirror is skipped; its candidate has a key.
    RoutingTable.Route unkeyedBaseline =
        new RoutingTable.Route(
                "unkeyed-baseline",
                "unkeyed-baseline",
                List.of(),
                null,
                1,
                List.of(target("nokey", "base", 0), target("mock", "fallback", 1)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e4", List.of(target("mock", "unpaired", 0)), 1.0, null, null, "nokey/base"));
    return TestTables.table(
        List.of(provider("mock", mock.baseUrl(), true), provider("nokey", mock.baseUrl(), true)),
        List.of(elsewhere, self, keyless, unkeyedBaseline));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static void ask(String model, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      assertThat(
              gateway
                  .post(
                      "/v1/chat/completions",
                      "{\"model\":\""
                          + model
                          + "\",\"messages\":[{\"role\":\"user\",\"content\":\"q "
                          + i
                          + "\"}]}")
                  .statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void onlyRequestsTheBaselineServesArePairedNeverWithItselfAndSkipsAreNotFailures()
      throws Exception {
    ask("elsewhere", REQUESTS);
    ask("keyless", REQUESTS);
    ask("self", REQUESTS);
    List<JsonNode> entries = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              entries.clear();
              GatewayHarness.JSON
                  .readTree(gateway.admin("/admin/evaluations").body())
                  .path("candidates")
                  .forEach(entries::add);
              return entries.stream()
                      .anyMatch(
                          c ->
                              "self".equals(c.path("route").asText())
                                  && c.path("requests").asLong() == REQUESTS)
                  && entries.stream()
                      .anyMatch(
                          c ->
                              "keyless".equals(c.path("route").asText())
                                  && c.path("requests").asLong()
                                          + c.path("candidateSkipped").asLong()
                                      == REQUESTS);
            });
    // Served by "other" first: never paired with the baseline "base".
    assertThat(entries).noneMatch(c -> "elsewhere".equals(c.path("route").asText()));
    // "self": only the other candidate; the baseline is not compared with itself.
    assertThat(entries)
        .filteredOn(c -> "self".equals(c.path("route").asText()))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.path("target").asText()).isEqualTo("mock/wordy");
              assertThat(c.path("baselineTarget").asText()).isEqualTo("mock/base");
            });
    // No key: skipped, neither a sampled request nor the candidate's failure.
    JsonNode keyless =
        entries.stream()
            .filter(c -> "keyless".equals(c.path("route").asText()))
            .findFirst()
            .orElseThrow();
    assertThat(keyless.path("candidateSkipped").asLong()).isEqualTo(REQUESTS);
    assertThat(keyless.path("requests").asLong()).isZero();
    assertThat(keyless.path("candidateFailures").asLong()).isZero();
    // Its only candidate skipped, the baseline's replay could make no pair: it is not sent (it
    // used to be, and billed, for every request) and counts as skipped too.
    assertThat(keyless.path("baselineSkipped").asLong()).isEqualTo(REQUESTS);
    assertThat(keyless.path("baselineFailures").asLong()).isZero();
    // "base" serves the clients of "self" and "keyless" and is replayed for "self" only.
    assertThat(mock.attempts("base")).isEqualTo(3L * REQUESTS);
    assertThat(mock.attempts("other")).isEqualTo(REQUESTS);
  }

  /**
   * A sampled request whose baseline mirror cannot be sent (its provider has no key) sends no
   * candidate either: a candidate's answer alone makes no pair, and the provider would bill it.
   * Both are counted as skipped, neither as a request nor a failure.
   */
  @Test
  void aSkippedBaselineSendsNoCandidateAndCountsThemSkipped() throws Exception {
    ask("unkeyed-baseline", REQUESTS);
    JsonNode[] entry = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              GatewayHarness.JSON
                  .readTree(gateway.admin("/admin/evaluations").body())
                  .path("candidates")
                  .forEach(
                      c -> {
                        if ("unkeyed-baseline".equals(c.path("route").asText())) {
                          entry[0] = c;
                        }
                      });
              return entry[0] != null && entry[0].path("baselineSkipped").asLong() == REQUESTS;
            });
    // Every client request was served, by the fallback.
    assertThat(mock.attempts("fallback")).isEqualTo(REQUESTS);
    // The candidate was never called (it used to be sent, and billed, for every request).
    assertThat(mock.attempts("unpaired")).isZero();
    assertThat(entry[0].path("target").asText()).isEqualTo("mock/unpaired");
    assertThat(entry[0].path("candidateSkipped").asLong()).isEqualTo(REQUESTS);
    assertThat(entry[0].path("requests").asLong()).isZero();
    assertThat(entry[0].path("candidateFailures").asLong()).isZero();
    assertThat(entry[0].path("baselineFailures").asLong()).isZero();
  }
}
