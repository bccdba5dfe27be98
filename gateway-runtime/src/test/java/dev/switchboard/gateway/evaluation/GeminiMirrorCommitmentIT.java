package dev.switchboard.gateway.evaluation;

import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemini ends a stream by closing it, without {@code [DONE]}: a served answer that closes after its
 * finish reason is complete (and counted in committed use), and so is a mirrored one. The mirror
 * used to judge every close before {@code [DONE]} as a stream cut short: its Gemini answers were
 * neither counted in the model's committed use nor measured as answers.
 */
class GeminiMirrorCommitmentIT {

  static final String GEMINI_MODEL = "gemini-2.0-flash";

  static final String QUESTION =
      "\"messages\":[{\"role\":\"user\",\"content\":\"how long is a piece of string\"}]";

  @TempDir static Path dir;

  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-t", "gm-key").models("base", GEMINI_MODEL),
            GeminiMirrorCommitmentIT::table,
            Map.of("mock", "sk-t", "gem", "gm-key"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /**
   * {@code gemini} served by the Gemini model (a token commitment); {@code chat} served by {@code
   * base}, every request mirrored to the Gemini model.
   */
  static RoutingTable table(MockProvider mock) {
    RoutingTable.Model gemini =
        new RoutingTable.Model(
            List.of("chat"),
            128_000L,
            new RoutingTable.Pricing(
                1.0, 1.0, null, "USD", null, new RoutingTable.Commitment(1_000_000L, null)),
            null);
    RoutingTable.Route chat =
        TestTables.route("chat", List.of(), target("mock", "base", 0))
            .withEvaluation(
                new RoutingTable.Evaluation(
                    "e1", List.of(target("gem", GEMINI_MODEL, 0)), 1.0, null, null));
    return TestTables.table(
        List.of(
            TestTables.provider("mock", mock.baseUrl(), true),
            TestTables.provider(
                "gem",
                "gemini",
                mock.origin() + "/v1beta",
                true,
                Map.of(GEMINI_MODEL, gemini),
                null)),
        List.of(TestTables.route("gemini", List.of(), target("gem", GEMINI_MODEL, 0)), chat));
  }

  private static long used() throws Exception {
    JsonNode doc = GatewayHarness.JSON.readTree(gateway.admin("/admin/commitments").body());
    for (JsonNode row : doc.path("commitments")) {
      if (("gem/" + GEMINI_MODEL).equals(row.path("target").asText())) {
        return row.path("used").asLong();
      }
    }
    return -1;
  }

  @Test
  void aMirroredGeminiAnswerThatEndsAtTheCloseCountsAsAServedOneDoes() throws Exception {
    HttpResponse<String> served =
        gateway.post(
            "/v1/chat/completions", "{\"model\":\"gemini\",\"stream\":true," + QUESTION + "}");
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.body()).contains("[DONE]");
    long[] servedUse = new long[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              servedUse[0] = used();
              assertThat(servedUse[0]).isPositive();
            });

    // The same question, served by base and mirrored to the Gemini model.
    HttpResponse<String> mirrored =
        gateway.post("/v1/chat/completions", "{\"model\":\"chat\"," + QUESTION + "}");
    assertThat(mirrored.statusCode()).isEqualTo(200);

    // Billed like the served answer, so counted like it: the commitment's use doubles.
    await().atMost(Duration.ofSeconds(10)).until(() -> used() == 2 * servedUse[0]);
    JsonNode report = GatewayHarness.JSON.readTree(gateway.admin("/admin/evaluations").body());
    JsonNode candidate = report.path("candidates").get(0);
    assertThat(candidate.path("target").asText()).isEqualTo("gem/" + GEMINI_MODEL);
    assertThat(candidate.path("candidateAnswered").asLong()).isEqualTo(1);
  }
}
