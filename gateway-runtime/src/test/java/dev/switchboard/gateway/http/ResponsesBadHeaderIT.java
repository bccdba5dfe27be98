package dev.switchboard.gateway.http;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.LogCapture;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.routing.ReloadResult;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * A provider header value the HTTP client would refuse (a line break; its complaint quotes the
 * value, which may be a key put in the wrong place) never reaches a request: a table carrying one
 * is rejected at reload, naming the header and never its value, and the last good table keeps
 * serving the stored response. (Before the table check, the stored-response call hit the refusal
 * and was answered with a 503 by the handler's own guard, which stays as a second line of defence.)
 */
class ResponsesBadHeaderIT {

  private static final String SECRET = "org-SECRETSECRET";

  @TempDir Path dir;

  static RoutingTable table(MockProvider mock, Map<String, String> headers) {
    return TestTables.table(
        List.of(
            new RoutingTable.Provider(
                "openai",
                "openai",
                mock.baseUrl(),
                true,
                null,
                headers,
                null,
                null,
                null,
                null,
                Map.of())),
        List.of(route("native", List.of(), target("openai", "gpt-4.1", 0))));
  }

  @Test
  void aRefusedHeaderValueIsA503AndNeverQuoted() throws Exception {
    try (LogCapture logs = LogCapture.of(Logger.ROOT_LOGGER_NAME, Level.DEBUG);
        GatewayHarness gateway =
            GatewayHarness.withMock(
                dir,
                new MockProviderOptions().keys("sk-provider"),
                mock -> table(mock, Map.of()),
                Map.of("openai", "sk-provider"))) {
      HttpResponse<String> created =
          gateway.post("/v1/responses", "{\"model\":\"native\",\"input\":\"Keep me\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      String id = GatewayHarness.json(created.body()).path("id").asText();

      RoutingTable broken =
          RoutingTableCodec.versioned(
              table(gateway.mock(), Map.of("OpenAI-Organization", SECRET + "\nX-Other: 1")));
      String before = gateway.server().routingState().current().orElseThrow().configVersion();
      gateway.writeTable(broken);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  gateway
                      .server()
                      .routingState()
                      .lastReload()
                      .map(reload -> reload.result().equals(ReloadResult.REJECTED))
                      .orElse(false));
      ReloadResult rejected = gateway.server().routingState().lastReload().orElseThrow();
      assertThat(rejected.problems())
          .anyMatch(p -> p.contains("'OpenAI-Organization'") && p.contains("line break"))
          .noneMatch(p -> p.contains(SECRET));
      assertThat(gateway.server().routingState().current().orElseThrow().configVersion())
          .isEqualTo(before);

      HttpResponse<String> r =
          gateway.send(
              HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/responses/" + id))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build());

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).doesNotContain(SECRET);
      assertThat(logs.messages()).noneMatch(m -> m.contains(SECRET));
      assertThat(logs.events())
          .noneMatch(
              e ->
                  e.getThrowableProxy() != null
                      && String.valueOf(e.getThrowableProxy().getMessage()).contains(SECRET));
    }
  }
}
