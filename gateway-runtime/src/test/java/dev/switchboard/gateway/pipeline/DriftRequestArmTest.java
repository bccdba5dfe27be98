package dev.switchboard.gateway.pipeline;

import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's drift requests (admin port) are counted in neither arm of a canary: the operator's
 * canary analysis reads {@code switchboard_upstream_attempts_total{route,arm}} and the other
 * per-arm series, and a nightly burst of replayed prompts to a canary's (or the stable version's)
 * target is not traffic that arm served — it would count toward the canary's {@code minRequests}
 * and shift its figures. They are labelled {@code arm="drift"}, which the analysis ignores. And a
 * drift check replays only the stable arm: a drift request naming a canary arm's target is refused
 * (400, OpenAI-shaped, saying why) and nothing reaches the canary.
 */
class DriftRequestArmTest {

  static final String DRIFT = "/admin/drift/chat/completions";

  @TempDir Path dir;
  Vertx vertx;
  MockProvider mock;
  GatewayHarness gateway;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    mock =
        MockProvider.startBlocking(
            vertx, new MockProviderOptions().keys("sk-provider").models("stable-m", "canary-m"));
    RoutingTable table =
        TestTables.table(
            List.of(TestTables.provider("mock", mock.baseUrl(), true)),
            List.of(
                new RoutingTable.Route(
                    "chat",
                    "chat",
                    List.of(),
                    null,
                    2,
                    List.of(target("mock", "stable-m", 0)),
                    List.of(),
                    new RoutingTable.Canary(
                        "split", 50, 2, List.of(target("mock", "canary-m", 0)), List.of()))));
    gateway =
        GatewayHarness.start(
            vertx, dir, table, Map.of("mock", "sk-provider"), o -> o, new ManualClock());
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    mock.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void driftRequestsToTheStableArmCountInNeitherArm() throws Exception {
    String body = GatewayHarness.chat("chat", false);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> drift =
          gateway.adminPost(DRIFT, body, "x-switchboard-target", "mock/stable-m");
      assertThat(drift.statusCode()).as(drift.body()).isEqualTo(200);
      assertThat(GatewayHarness.json(drift.body()).path("model").asText()).isEqualTo("stable-m");
    }

    String metrics = gateway.admin("/metrics").body();
    assertThat(attempts(metrics, "canary")).isZero();
    assertThat(attempts(metrics, "stable")).isZero();
    assertThat(attempts(metrics, "drift")).isEqualTo(3);
  }

  @Test
  void aDriftRequestNamingACanaryTargetIsRefusedAndReachesNoTarget() throws Exception {
    HttpResponse<String> drift =
        gateway.adminPost(
            DRIFT, GatewayHarness.chat("chat", false), "x-switchboard-target", "mock/canary-m");

    assertThat(drift.statusCode()).as(drift.body()).isEqualTo(400);
    var error = GatewayHarness.json(drift.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("param").asText()).isEqualTo("x-switchboard-target");
    assertThat(error.path("message").asText())
        .contains("'mock/canary-m'", "canary arm", "only the stable arm");
    String metrics = gateway.admin("/metrics").body();
    assertThat(attempts(metrics, "drift") + attempts(metrics, "canary")).isZero();
    assertThat(mock.attempts("canary-m")).isZero();
  }

  /**
   * The operator tells a replica that has not loaded the published table yet from a route or target
   * that is not served by the table version a refusal came from: the drift endpoint's 404 for an
   * unknown route and 400 for a target the route lacks say it, as every answer does.
   */
  @Test
  void aDriftRefusalOfTheRouteOrTargetSaysWhichRoutingTableItCameFrom() throws Exception {
    String version =
        gateway
            .adminPost(
                DRIFT, GatewayHarness.chat("chat", false), "x-switchboard-target", "mock/stable-m")
            .headers()
            .firstValue("x-switchboard-config-version")
            .orElseThrow();

    HttpResponse<String> noRoute =
        gateway.adminPost(
            DRIFT, GatewayHarness.chat("no-such-route", false), "x-switchboard-target", "mock/m");
    HttpResponse<String> noTarget =
        gateway.adminPost(
            DRIFT, GatewayHarness.chat("chat", false), "x-switchboard-target", "mock/other-m");

    assertThat(noRoute.statusCode()).as(noRoute.body()).isEqualTo(404);
    assertThat(GatewayHarness.json(noRoute.body()).path("error").path("code").asText())
        .isEqualTo("model_not_found");
    assertThat(noTarget.statusCode()).as(noTarget.body()).isEqualTo(400);
    assertThat(GatewayHarness.json(noTarget.body()).path("error").path("param").asText())
        .isEqualTo("x-switchboard-target");
    assertThat(List.of(noRoute, noTarget))
        .allSatisfy(
            r ->
                assertThat(r.headers().firstValue("x-switchboard-config-version"))
                    .contains(version));
  }

  /** The route's successful upstream attempts with {@code arm}, summed over targets. */
  private static double attempts(String metrics, String arm) {
    Pattern line =
        Pattern.compile(
            "^switchboard_upstream_attempts_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    double sum = 0;
    Matcher m = line.matcher(metrics);
    while (m.find()) {
      String labels = m.group(1);
      if (labels.contains("route=\"chat\"")
          && labels.contains("arm=\"" + arm + "\"")
          && labels.contains("outcome=\"success\"")) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }
}
