package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.fault.FaultRules;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mirrored evaluation calls are billed by the provider, so they draw on committed use: with every
 * request sampled, the candidates' commitments count each mirrored answer's tokens (and its spend
 * at the price window in force), and the baseline's counts the replay on top of the served answer.
 */
class EvaluationCommitmentIT {

  static final int REQUESTS = 4;

  /** Each answer of the mock: 100 prompt tokens and 10 completion tokens. */
  static final int TOKENS_PER_ANSWER = 110;

  @TempDir static Path dir;

  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-t").models("base", "cand", "cand-spend"),
            EvaluationCommitmentIT::table,
            Map.of("mock", "sk-t"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /**
   * {@code chat} on {@code base}, every request mirrored to {@code cand} (a token commitment) and
   * {@code cand-spend} (a spend commitment, list $1/$1 per million, $10/$10 in an all-day window).
   */
  static RoutingTable table(MockProvider mock) {
    mock.faults().set(FaultRules.ANY_MODEL, "tokens:10,prompt-tokens:100");
    RoutingTable.Commitment tokens = new RoutingTable.Commitment(1_000_000L, null);
    Map<String, RoutingTable.Model> models =
        Map.of(
            "base", model(new RoutingTable.Pricing(1.0, 1.0, null, "USD", null, tokens)),
            "cand", model(new RoutingTable.Pricing(1.0, 1.0, null, "USD", null, tokens)),
            "cand-spend",
                model(
                    new RoutingTable.Pricing(
                        1.0,
                        1.0,
                        null,
                        "USD",
                        List.of(
                            new RoutingTable.PriceWindow(
                                "all-day", null, "00:00", "24:00", "UTC", 10.0, 10.0, null)),
                        new RoutingTable.Commitment(null, 100.0))));
    RoutingTable.Route route =
        new RoutingTable.Route(
                "chat",
                "chat",
                List.of(),
                null,
                1,
                List.of(target("mock", "base", 0)),
                List.of(),
                null)
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1",
                    List.of(target("mock", "cand", 0), target("mock", "cand-spend", 0)),
                    1.0,
                    null,
                    null));
    return TestTables.table(
        List.of(
            TestTables.provider("mock", "openai-compatible", mock.baseUrl(), true, models, null)),
        List.of(route));
  }

  private static RoutingTable.Model model(RoutingTable.Pricing pricing) {
    return new RoutingTable.Model(List.of("chat"), 128_000L, pricing, null);
  }

  @Test
  void everyMirroredAnswerDrawsOnItsModelsCommitmentAtThePriceInForce() throws Exception {
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> answer =
          gateway.post(
              "/v1/chat/completions",
              "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"question "
                  + i
                  + "\"}]}");
      assertThat(answer.statusCode()).isEqualTo(200);
    }
    Map<String, JsonNode> used = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              JsonNode doc =
                  GatewayHarness.JSON.readTree(gateway.admin("/admin/commitments").body());
              used.clear();
              doc.path("commitments").forEach(r -> used.put(r.path("target").asText(), r));
              // The served answer and its replay to the baseline, each candidate's mirror once.
              assertThat(used.get("mock/base").path("used").asLong())
                  .isEqualTo(2L * REQUESTS * TOKENS_PER_ANSWER);
              assertThat(used.get("mock/cand").path("used").asLong())
                  .isEqualTo((long) REQUESTS * TOKENS_PER_ANSWER);
              // At the window's $10 per million (not the $1 list price): 110 tokens, $0.0011.
              assertThat(used.get("mock/cand-spend").path("used").asDouble())
                  .isCloseTo(REQUESTS * 0.0011, within(1e-9));
            });
    // Billed, but not served: the serving stats count only the client's calls, all on base.
    JsonNode stats = GatewayHarness.json(gateway.get("/v1/switchboard/stats").body());
    assertThat(stats.path("routes").path("chat").path("requests").asLong()).isEqualTo(REQUESTS);
    List<String> served = new java.util.ArrayList<>();
    stats.path("targets").forEach(t -> served.add(t.path("target").asText()));
    assertThat(served).containsExactly("mock/base");
  }
}
