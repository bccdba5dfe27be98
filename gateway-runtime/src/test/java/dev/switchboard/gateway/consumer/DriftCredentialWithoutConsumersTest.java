package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.request.KeyDigest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator publishes its credential in every namespace it serves, also where no Consumer
 * exists: a consumer table with no consumer but the operator's hash. Such a table keeps the public
 * API keyless, as with no table at all, while the admin port's drift entry answers the operator
 * only.
 */
class DriftCredentialWithoutConsumersTest {

  private static final String OPERATOR_TOKEN = "sbop-test-credential";

  private static final String CHAT =
      "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"drift prompt\"}]}";

  @TempDir static Path dir;

  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    Path consumers = dir.resolve("consumers.json");
    Files.write(
        consumers,
        new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION, List.of(), List.of(KeyDigest.of(OPERATOR_TOKEN)))
            .toJson());
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat"), 128_000L, new RoutingTable.Pricing(1.0, 2.0, null, "USD"), null);
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            ConsumerFixture.oneModel("mock", "openai-compatible", "m", model, "chat"),
            "mock",
            null);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void theDriftEntryAnswersTheOperatorOnly() throws Exception {
    HttpResponse<String> none =
        gateway.adminPost("/admin/drift/chat/completions", CHAT, "x-switchboard-target", "mock/m");
    HttpResponse<String> wrong =
        gateway.adminPost(
            "/admin/drift/chat/completions",
            CHAT,
            "x-switchboard-target",
            "mock/m",
            "authorization",
            "Bearer sbop-guessed");
    HttpResponse<String> operator =
        gateway.adminPost(
            "/admin/drift/chat/completions",
            CHAT,
            "x-switchboard-target",
            "mock/m",
            "authorization",
            "Bearer " + OPERATOR_TOKEN);

    for (HttpResponse<String> refused : List.of(none, wrong)) {
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
      assertThat(GatewayHarness.json(refused.body()).path("error").path("code").asText())
          .isEqualTo("invalid_api_key");
      assertThat(refused.body()).doesNotContain("sbop-guessed");
    }
    assertThat(operator.statusCode()).as(operator.body()).isEqualTo(200);
    assertThat(operator.headers().firstValue("x-switchboard-target-model")).hasValue("m");
  }

  @Test
  void thePublicApiStaysKeyless() throws Exception {
    HttpResponse<String> anonymous = gateway.post("/v1/chat/completions", CHAT);

    assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(200);
    assertThat(GatewayHarness.json(anonymous.body()).path("choices").path(0).has("message"))
        .isTrue();
  }
}
