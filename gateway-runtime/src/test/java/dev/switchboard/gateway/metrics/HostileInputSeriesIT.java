package dev.switchboard.gateway.metrics;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProviderOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever a client sends, /metrics grows with the routing table, never with the traffic: random
 * model names on every door (404s), random paths and methods, random priority, task-class and
 * Anthropic headers, random request ids, {@code user} and {@code metadata}, random bearer keys and
 * keys in query strings, unknown stored-response ids. The series are counted after a first round of
 * such requests (every fixed label value seen once) and again after many more rounds: a label taken
 * from the client would add series with every round.
 */
class HostileInputSeriesIT {

  @TempDir Path dir;

  private static String random() {
    return "x" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  private static long series(GatewayHarness gateway) throws Exception {
    return gateway.admin("/metrics").body().lines().filter(l -> !l.startsWith("#")).count();
  }

  private static void round(GatewayHarness gateway) throws Exception {
    String r = random();
    String key = "sk-" + random();
    gateway.post("/v1/chat/completions", "{\"model\":\"" + r + "\",\"messages\":[]}");
    gateway.post("/v1/chat/completions?key=" + key, "{\"model\":\"" + key + "\",\"messages\":[]}");
    gateway.post("/v1/embeddings", "{\"model\":\"" + r + "\",\"input\":\"hi\"}");
    gateway.post("/v1/responses", "{\"model\":\"" + r + "\",\"input\":\"hi\"}");
    gateway.post(
        "/v1/messages",
        "{\"model\":\"" + r + "\",\"max_tokens\":5,\"messages\":[]}",
        "anthropic-version",
        r,
        "anthropic-beta",
        r);
    gateway.post(
        "/v1/messages/count_tokens",
        "{\"model\":\"" + r + "\",\"messages\":[]}",
        "anthropic-version",
        r);
    HttpResponse<String> served =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"chat\",\"store\":true,\"user\":\""
                + r
                + "\",\"metadata\":{\""
                + r
                + "\":\""
                + r
                + "\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x-switchboard-priority",
            r,
            "x-switchboard-task-class",
            r,
            "x-request-id",
            r,
            "authorization",
            "Bearer " + key);
    // The served request counts on the route's series, whatever the client put around it.
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    gateway.post("/v1/" + r, "{}");
    gateway.post("/" + r + "?api-key=" + key, "{}");
    gateway.get("/v1/responses/resp_" + r);
    gateway.send(
        HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
            .method(
                "X" + Long.toHexString(ThreadLocalRandom.current().nextLong()).toUpperCase(),
                HttpRequest.BodyPublishers.ofString("{}"))
            .build());
  }

  @Test
  void randomClientInputAddsNoSeries() throws Exception {
    try (GatewayHarness gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-1"),
            mock ->
                TestTables.table(
                    List.of(provider("mock", mock.baseUrl(), true)),
                    List.of(route("chat", List.of(), target("mock", "gpt-4o-mini", 0)))),
            Map.of("mock", "sk-1"))) {
      for (int i = 0; i < 2; i++) {
        round(gateway);
      }
      long before = series(gateway);
      String scrape = gateway.admin("/metrics").body();

      for (int i = 0; i < 25; i++) {
        round(gateway);
      }

      String after = gateway.admin("/metrics").body();
      assertThat(series(gateway))
          .as("series added by random client input:\n%s", added(scrape, after))
          .isEqualTo(before);
      assertThat(after).doesNotContain("sk-x");
    }
  }

  private static String added(String before, String after) {
    List<String> names = before.lines().map(l -> l.replaceAll("[ ][^ ]+$", "")).toList();
    return String.join(
        "\n",
        after
            .lines()
            .filter(l -> !l.startsWith("#"))
            .filter(l -> !names.contains(l.replaceAll("[ ][^ ]+$", "")))
            .limit(20)
            .toList());
  }
}
