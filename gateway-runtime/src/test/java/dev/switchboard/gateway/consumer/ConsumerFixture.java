package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.mock.MockProviderOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The setup the consumer tests share: consumers with one key each written to a consumers file, a
 * gateway that requires their keys in front of a mock provider (provider key {@code sk-provider}),
 * and what a consumer has spent.
 */
final class ConsumerFixture {

  private ConsumerFixture() {}

  /** An HTTP/1.1 client for requests a test builds itself (concurrent ones, say). */
  static HttpClient http() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /**
   * A consumer with the one key {@code key}, no rate limit, and a daily budget of {@code usdPerDay}
   * (none when null); {@code models} null: every model.
   */
  static ConsumerTable.Consumer consumer(
      String name, String key, List<String> models, Double usdPerDay) {
    return new ConsumerTable.Consumer(
        name,
        List.of(KeyDigest.of(key)),
        models,
        List.of(),
        usdPerDay == null ? null : new ConsumerTable.Budget(usdPerDay, null),
        null,
        Map.of());
  }

  /** As {@link #consumer(String, String, List, Double)} for every model. */
  static ConsumerTable.Consumer consumer(String name, String key, Double usdPerDay) {
    return consumer(name, key, null, usdPerDay);
  }

  /** Writes {@code consumers} to {@code dir/consumers.json} and gives that file. */
  static Path writeConsumers(Path dir, ConsumerTable.Consumer... consumers) throws IOException {
    Path file = dir.resolve("consumers.json");
    Files.write(file, new ConsumerTable(ConsumerTable.SCHEMA_VERSION, List.of(consumers)).toJson());
    return file;
  }

  /**
   * The table of one provider ({@code kind}, keyed) declaring {@code model} as {@code declared},
   * and one route {@code route} to it.
   */
  static GatewayHarness.MockTable oneModel(
      String provider, String kind, String model, RoutingTable.Model declared, String route) {
    return m ->
        TestTables.table(
            List.of(
                TestTables.provider(
                    provider, kind, m.baseUrl(), true, Map.of(model, declared), null)),
            List.of(route(route, List.of(), target(provider, model, 0))));
  }

  /**
   * A gateway in {@code dir/gateway} in front of a mock provider that wants {@code sk-provider}
   * (the key of {@code provider}), requiring the keys of the consumers in {@code consumers}; its
   * time on {@code clock} (null: real).
   */
  static GatewayHarness gateway(
      Path dir, Path consumers, GatewayHarness.MockTable table, String provider, ManualClock clock)
      throws Exception {
    return GatewayHarness.withMock(
        Files.createDirectories(dir.resolve("gateway")),
        new MockProviderOptions().keys("sk-provider"),
        table,
        Map.of(provider, "sk-provider"),
        o -> o.withConsumers(ConsumerOptions.defaults().withConsumersFile(consumers)),
        clock);
  }

  /** What {@code consumer} has spent on the day of {@code clock}, in USD, as the gateway counts. */
  static double spentTodayUsd(GatewayHarness gateway, ManualClock clock, String consumer)
      throws Exception {
    return Spend.toUsd(spent(gateway, clock, consumer).dayNanoUsd());
  }

  /**
   * What {@code consumer} has spent on the day and in the month of {@code clock} (UTC), as the
   * gateway's state store counts it.
   */
  static Spend spent(GatewayHarness gateway, ManualClock clock, String consumer) throws Exception {
    String day = LocalDate.ofInstant(clock.asJavaClock().instant(), ZoneOffset.UTC).toString();
    return gateway
        .server()
        .consumerLimiter()
        .store()
        .spend(consumer, day, day.substring(0, 7))
        .toCompletionStage()
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  /** A JSON {@code POST} of {@code body} to {@code path} with {@code key} as bearer token. */
  static HttpRequest post(GatewayHarness gateway, String path, String key, String body) {
    return HttpRequest.newBuilder(URI.create(gateway.origin() + path))
        .timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json")
        .header("authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
