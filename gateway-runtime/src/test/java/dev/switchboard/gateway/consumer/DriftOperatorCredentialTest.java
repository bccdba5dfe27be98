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
 * The admin port's drift entry chooses the target and spends on it, and the network policy lets
 * Prometheus (any pod with its label, by default from any namespace) reach the admin port too: once
 * the consumer table names the operator's credential, only requests bearing it are answered.
 */
class DriftOperatorCredentialTest {

  private static final String OPERATOR_TOKEN = "sbop-test-credential";

  @TempDir static Path dir;

  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    Path consumers = dir.resolve("consumers.json");
    Files.write(
        consumers,
        new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION,
                List.of(ConsumerFixture.consumer("app", "sk-app", null)),
                List.of(KeyDigest.of(OPERATOR_TOKEN)))
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

  private static HttpResponse<String> drift(String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "x-switchboard-target";
    all[1] = "mock/m";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return gateway.adminPost(
        "/admin/drift/chat/completions",
        "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"drift prompt\"}]}",
        all);
  }

  @Test
  void aDriftRequestWithoutTheOperatorsCredentialIsRefused() throws Exception {
    HttpResponse<String> none = drift();
    HttpResponse<String> consumerKey = drift("authorization", "Bearer sk-app");
    HttpResponse<String> wrong = drift("authorization", "Bearer sbop-something-else");

    for (HttpResponse<String> refused : List.of(none, consumerKey, wrong)) {
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
      assertThat(GatewayHarness.json(refused.body()).path("error").path("message").asText())
          .contains("answers the Switchboard operator only")
          .doesNotContain("sk-app")
          .doesNotContain("sbop-something-else");
    }
  }

  @Test
  void theOperatorsCredentialIsLetThrough() throws Exception {
    HttpResponse<String> operator = drift("authorization", "Bearer " + OPERATOR_TOKEN);

    // The operator's own request: no consumer key asked for, sent to the named target.
    assertThat(operator.statusCode()).as(operator.body()).isEqualTo(200);
    assertThat(operator.headers().firstValue("x-switchboard-target-model")).hasValue("m");
  }
}
