package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer series follow the consumer table, as the route series follow the routing table: a
 * table without a consumer removes that consumer's series from {@code /metrics}, and one that gives
 * a consumer other label values removes the series of its old values; the other consumers' series
 * stay, with their counts.
 */
class ConsumerSeriesFollowTableIT {

  @TempDir Path dir;

  private static ConsumerTable.Consumer consumer(String name, String key, String team) {
    ConsumerTable.Consumer plain = ConsumerFixture.consumer(name, key, 100.0);
    return new ConsumerTable.Consumer(
        plain.name(),
        plain.keySha256(),
        plain.models(),
        plain.rateLimits(),
        plain.budget(),
        plain.onStoreUnavailable(),
        Map.of("team", team));
  }

  private static void served(GatewayHarness gateway, String key) throws Exception {
    HttpResponse<String> r =
        gateway.post(
            "/v1/chat/completions",
            GatewayHarness.chat("chat", false),
            "authorization",
            "Bearer " + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static List<String> series(GatewayHarness gateway, String consumer) throws Exception {
    return gateway
        .admin("/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith("switchboard_consumer_"))
        .filter(l -> l.contains("consumer=\"" + consumer + "\""))
        .toList();
  }

  @Test
  void aTableWithoutAConsumerRemovesItsSeriesAndKeepsTheOthers() throws Exception {
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat"), 128_000L, new RoutingTable.Pricing(1.0, 2.0, null, "USD"), null);
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir,
            consumer("stays", "sk-stays", "a"),
            consumer("leaves", "sk-leaves", "a"),
            consumer("moves", "sk-moves", "a"));
    try (GatewayHarness gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            ConsumerFixture.oneModel("mock", "openai-compatible", "m", model, "chat"),
            "mock",
            null)) {
      for (String key : List.of("sk-stays", "sk-stays", "sk-leaves", "sk-moves")) {
        served(gateway, key);
      }
      List<String> stays = series(gateway, "stays");
      assertThat(stays)
          .contains(
              "switchboard_consumer_requests_total{consumer=\"stays\",label_team=\"a\","
                  + "outcome=\"admitted\"} 2.0")
          .anyMatch(l -> l.startsWith("switchboard_consumer_spend_usd_total"))
          .anyMatch(l -> l.startsWith("switchboard_consumer_tokens_total"));
      assertThat(series(gateway, "leaves")).hasSize(stays.size());

      // "leaves" deleted, "moves" moved to another team; the key of "leaves" is refused now.
      // Written beside it and moved over it, so the gateway never reads half a file.
      Path next = Files.createDirectories(dir.resolve("next"));
      Files.move(
          ConsumerFixture.writeConsumers(
              next, consumer("stays", "sk-stays", "a"), consumer("moves", "sk-moves", "b")),
          consumers,
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  gateway
                          .post(
                              "/v1/chat/completions",
                              GatewayHarness.chat("chat", false),
                              "authorization",
                              "Bearer sk-leaves")
                          .statusCode()
                      == 401);
      served(gateway, "sk-moves");

      assertThat(series(gateway, "leaves")).isEmpty();
      assertThat(series(gateway, "moves"))
          .isNotEmpty()
          .allSatisfy(l -> assertThat(l).contains("label_team=\"b\""));
      // Untouched: the same series with the same values (its spend and tokens too).
      assertThat(series(gateway, "stays")).isEqualTo(stays);
    }
  }
}
