package dev.switchboard.e2e.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ObservedTarget;
import dev.switchboard.e2e.local.LocalStack;
import dev.switchboard.mock.MockProviderOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cost-observation loop end to end on the local stack: two mock providers with different prices
 * and latency behind one route. Switching its policy to {@code least-cost} moves traffic to the
 * cheap one as soon as the gateway loads the table; moving the gateway clock (the test-only offset
 * file) into the other provider's off-peak price window flips it there; and the route's {@code
 * status.observed} shows both targets' figures and chosen shares.
 */
class CostLoopIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

  static Path dir;
  static Path offsetFile;
  static int cheapPort;
  static int fastPort;
  static LocalStack stack;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("switchboard-costloop");
    offsetFile = Files.createTempFile("switchboard-clock", ".offset");
    cheapPort = freePort();
    fastPort = freePort();
    writeProviders();
    writePolicy("priority");
    Files.writeString(
        dir.resolve("route.yaml"),
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: ModelRoute
        metadata: {name: chat-costloop, namespace: default}
        spec:
          model: chat-costloop
          policyRef: {name: costloop}
          targets:
            - {providerRef: {name: fast}, model: gpt-4o-mini, weight: 1, priority: 0}
            - {providerRef: {name: cheap}, model: gpt-4o-mini, weight: 1, priority: 1}
        """);
    Map<Integer, MockProviderOptions> mocks = new LinkedHashMap<>();
    mocks.put(cheapPort, new MockProviderOptions().keys("sk-cheap").models("gpt-4o-mini"));
    mocks.put(fastPort, new MockProviderOptions().keys("sk-fast").models("gpt-4o-mini"));
    stack =
        LocalStack.start(
            LocalStack.Options.defaults()
                .withConfigDir(dir)
                .withMockProviders(mocks)
                .withPort(0)
                .withAdminPort(0)
                .withTestClockOffsetFile(offsetFile),
            line -> {});
    assertThat(stack.awaitRoutingTable(Duration.ofSeconds(30))).isTrue();
    // The cheap provider is also the slow one.
    stack.mock(cheapPort).faults().set("*", "delay:150");
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /**
   * "fast" lists at 2.50 / 10.00 per million tokens but halves to 0.05 / 0.20 in an off-peak window
   * that starts two hours from now (real time never reaches it during the test); "cheap" is 0.15 /
   * 0.60 all day.
   */
  private static void writeProviders() throws IOException {
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    String from = now.plusHours(2).format(HH_MM);
    String to = now.plusHours(3).format(HH_MM);
    StringBuilder yaml = new StringBuilder();
    for (String name : List.of("cheap", "fast")) {
      int port = name.equals("cheap") ? cheapPort : fastPort;
      String pricing =
          name.equals("cheap")
              ? "{inputPerMillionTokens: 0.15, outputPerMillionTokens: 0.60, currency: USD}"
              : "{inputPerMillionTokens: 2.50, outputPerMillionTokens: 10.00, currency: USD,"
                  + " windows: [{name: off-peak, from: \"%s\", to: \"%s\", timeZone: UTC,"
                      .formatted(from, to)
                  + " inputPerMillionTokens: 0.05, outputPerMillionTokens: 0.20}]}";
      yaml.append(
          LocalSamples.openAiEndpoint(
              name, port, "{name: gpt-4o-mini, capabilities: [chat], pricing: " + pricing + "}"));
    }
    Files.writeString(dir.resolve("providers.yaml"), yaml.toString());
  }

  /**
   * The route's policy with this strategy and no exploration, so every choice is the strategy's.
   */
  private static void writePolicy(String strategy) throws IOException {
    Files.writeString(
        dir.resolve("policy.yaml"),
        """
        apiVersion: switchboard.dev/v1alpha1
        kind: RoutingPolicy
        metadata: {name: costloop, namespace: default}
        spec:
          strategy: %s
          exploration: {share: 0}
        """
            .formatted(strategy));
  }

  private static HttpResponse<String> chat() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer sk-application")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chat-costloop\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"Hello\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response;
  }

  private static String servedBy() throws Exception {
    return chat().headers().firstValue("x-switchboard-provider").orElseThrow();
  }

  private static String configVersion() {
    return stack.gateway().routingState().current().orElseThrow().configVersion();
  }

  @Test
  void leastCostMovesTrafficAndAPriceWindowBoundaryFlipsIt() throws Exception {
    // priority: the fast, expensive provider serves.
    for (int i = 0; i < 10; i++) {
      assertThat(servedBy()).isEqualTo("fast");
    }

    String before = configVersion();
    writePolicy("least-cost");
    stack.applier().sync();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !configVersion().equals(before));
    // Within a second of the gateway loading the policy, traffic goes to the cheaper provider.
    await().atMost(Duration.ofSeconds(1)).until(() -> servedBy().equals("cheap"));
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = chat();
      assertThat(response.headers().firstValue("x-switchboard-provider")).contains("cheap");
      assertThat(response.headers().firstValue("x-switchboard-route-reason").orElseThrow())
          .contains("chose=cheap/gpt-4o-mini")
          .doesNotContain("price_window");
    }

    // "cheap" has no price window: its list price is in force (read while it has a stats row: the
    // stats window follows the gateway clock, so after the jump below only targets that served
    // since then have rows, and "cheap" gets one only if exploration happens to pick it).
    JsonNode listPrices = stats();
    assertThat(row(listPrices, "cheap/gpt-4o-mini").path("price_now").path("window").isNull())
        .isTrue();

    // Move the gateway clock 2.5 h ahead: into "fast"'s off-peak window, where it is cheaper.
    Files.writeString(offsetFile, "PT2H30M");
    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> servedBy().equals("fast"));
    HttpResponse<String> flipped = chat();
    assertThat(flipped.headers().firstValue("x-switchboard-route-reason").orElseThrow())
        .contains("chose=fast/gpt-4o-mini")
        .contains("price_window=off-peak");

    // The stats document shows each target's price in force now.
    JsonNode stats = stats();
    JsonNode fastRow = row(stats, "fast/gpt-4o-mini");
    assertThat(fastRow.path("price_now").path("window").asText()).isEqualTo("off-peak");
    assertThat(fastRow.path("price_now").path("input_per_million_tokens").asDouble())
        .isEqualTo(0.05);

    // Back to real time: the list prices again, and the cheap provider.
    Files.writeString(offsetFile, "");
    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> servedBy().equals("cheap"));
    for (int i = 0; i < 10; i++) {
      chat();
    }

    // The operator merges the replica's figures into status.observed (the route is reconciled
    // at least every 30 s while the gateways are observed).
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              ModelRoute route =
                  stack
                      .api()
                      .client()
                      .resources(ModelRoute.class)
                      .inNamespace(LocalStack.NAMESPACE)
                      .withName("chat-costloop")
                      .get();
              List<ObservedTarget> observed = route.getStatus().getObserved();
              assertThat(observed)
                  .extracting(ObservedTarget::getTarget)
                  .containsExactly("cheap/gpt-4o-mini", "fast/gpt-4o-mini");
              for (ObservedTarget target : observed) {
                assertThat(target.getRequests()).isPositive();
                assertThat(target.getChosenShare()).isBetween(0.0, 1.0);
                assertThat(target.getCostPer1kRequests()).isPositive();
                assertThat(target.getErrorRate()).isZero();
                assertThat(target.getLatencyP95()).endsWith("ms");
              }
              assertThat(observed.get(0).getChosenShare() + observed.get(1).getChosenShare())
                  .isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
            });
  }

  private static JsonNode stats() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/switchboard/stats"))
                .header("Authorization", "Bearer sk-application")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static JsonNode row(JsonNode stats, String target) {
    for (JsonNode row : stats.path("targets")) {
      if (row.path("target").asText().equals(target)
          && row.path("route").asText().equals("chat-costloop")) {
        return row;
      }
    }
    throw new AssertionError("no stats row for " + target + " in " + stats);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
