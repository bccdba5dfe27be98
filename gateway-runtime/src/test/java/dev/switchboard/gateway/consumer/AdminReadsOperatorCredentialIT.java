package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admin port's reads show every consumer's spend, every route, provider and commitment, and
 * evaluation pairs (with answer excerpts when a route logs bodies), and the network policy admits
 * every pod carrying Prometheus's label: once the consumer table names the operator's credential
 * they answer the operator only, as the drift entry does. {@code /metrics} (Prometheus) and {@code
 * /healthz} (the kubelet) stay open; a gateway without such a table leaves the reads to the network
 * policy.
 */
class AdminReadsOperatorCredentialIT {

  private static final String OPERATOR_TOKEN = "sbop-admin-reads-credential";

  /** A person's admin key, named to the gateway by its digest ({@code --admin-key-sha256}). */
  private static final String ADMIN_KEY = "person-admin-key";

  @TempDir static Path dir;

  /** Its consumer table names the operator's credential (as the operator's always does). */
  static GatewayHarness keyed;

  /** File mode without a consumer table. */
  static GatewayHarness open;

  /** File mode without a consumer table, started with an admin key. */
  static GatewayHarness adminKeyOnly;

  static List<String> reads() {
    return List.of(
        "/admin/config",
        "/admin/consumers",
        "/admin/commitments",
        "/admin/evaluations",
        "/admin/routing-figures",
        "/admin/stats");
  }

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
    GatewayHarness.MockTable table =
        ConsumerFixture.oneModel("mock", "openai-compatible", "m", model, "chat");
    java.util.function.UnaryOperator<GatewayOptions> withAdminKey =
        o -> o.withConsumers(o.consumers().withAdminKeySha256(List.of(KeyDigest.of(ADMIN_KEY))));
    keyed =
        GatewayHarness.withMock(
            Files.createDirectories(dir.resolve("keyed")),
            new MockProviderOptions().keys("sk-provider"),
            table,
            Map.of("mock", "sk-provider"),
            o -> withAdminKey.apply(o.withConsumers(o.consumers().withConsumersFile(consumers))),
            null);
    open =
        GatewayHarness.withMock(
            Files.createDirectories(dir.resolve("open")),
            new MockProviderOptions().keys("sk-provider"),
            table,
            Map.of("mock", "sk-provider"));
    adminKeyOnly =
        GatewayHarness.withMock(
            Files.createDirectories(dir.resolve("admin-key")),
            new MockProviderOptions().keys("sk-provider"),
            table,
            Map.of("mock", "sk-provider"),
            withAdminKey,
            null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (keyed != null) {
      keyed.close();
    }
    if (open != null) {
      open.close();
    }
    if (adminKeyOnly != null) {
      adminKeyOnly.close();
    }
  }

  @ParameterizedTest
  @MethodSource("reads")
  void aReadWithoutTheOperatorsCredentialIsRefused(String path) throws Exception {
    HttpResponse<String> none = keyed.admin(path);
    HttpResponse<String> consumerKey = keyed.admin(path, "authorization", "Bearer sk-app");
    HttpResponse<String> wrong = keyed.admin(path, "authorization", "Bearer sbop-something-else");
    HttpResponse<String> wrongApiKey = keyed.admin(path, "api-key", "sbop-something-else");

    for (HttpResponse<String> refused : List.of(none, consumerKey, wrong, wrongApiKey)) {
      assertThat(refused.statusCode()).as(path + ": " + refused.body()).isEqualTo(401);
      var error = GatewayHarness.json(refused.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText())
          .contains(path + " answers the Switchboard operator only")
          .doesNotContain("sk-app")
          .doesNotContain("sbop-something-else");
      assertThat(refused.body()).doesNotContain("sk-app").doesNotContain("sbop-something-else");
    }
  }

  @ParameterizedTest
  @MethodSource("reads")
  void theOperatorsCredentialReadsIt(String path) throws Exception {
    HttpResponse<String> operator = keyed.admin(path, "authorization", "Bearer " + OPERATOR_TOKEN);

    assertThat(operator.statusCode()).as(path + ": " + operator.body()).isEqualTo(200);
    assertThat(GatewayHarness.json(operator.body()).isObject()).isTrue();
  }

  @ParameterizedTest
  @MethodSource("reads")
  void anAdminKeyTheGatewayWasStartedWithReadsItToo(String path) throws Exception {
    HttpResponse<String> beside = keyed.admin(path, "authorization", "Bearer " + ADMIN_KEY);
    HttpResponse<String> alone = adminKeyOnly.admin(path, "authorization", "Bearer " + ADMIN_KEY);
    HttpResponse<String> withoutIt = adminKeyOnly.admin(path);

    assertThat(beside.statusCode()).as(path + ": " + beside.body()).isEqualTo(200);
    assertThat(alone.statusCode()).as(path + ": " + alone.body()).isEqualTo(200);
    // The flag alone names a credential: without a table the reads are closed all the same.
    assertThat(withoutIt.statusCode()).as(path + ": " + withoutIt.body()).isEqualTo(401);
  }

  @ParameterizedTest
  @MethodSource("reads")
  void withoutATableNamingTheCredentialTheNetworkPolicyDecides(String path) throws Exception {
    HttpResponse<String> anyone = open.admin(path);

    assertThat(anyone.statusCode()).as(path + ": " + anyone.body()).isEqualTo(200);
  }

  @Test
  void prometheusAndTheLivenessProbeNeedNoCredential() throws Exception {
    HttpResponse<String> metrics = keyed.admin("/metrics");
    HttpResponse<String> health = keyed.admin("/healthz");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("switchboard_config_version_info");
    assertThat(health.statusCode()).isEqualTo(200);
  }

  @Test
  void anUnknownAdminPathTellsNothingWithoutTheCredential() throws Exception {
    HttpResponse<String> unknown = keyed.admin("/admin/nothing-here");
    HttpResponse<String> known =
        keyed.admin("/admin/nothing-here", "authorization", "Bearer " + OPERATOR_TOKEN);

    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(known.statusCode()).isEqualTo(404);
  }
}
