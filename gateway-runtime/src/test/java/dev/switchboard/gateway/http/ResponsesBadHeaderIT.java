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
 * A stored-response call whose upstream headers the HTTP client refuses (a header value with a line
 * break; the client's complaint quotes the value, which may be a key) is answered with an
 * OpenAI-shaped 503 naming no value, instead of an exception in a callback and no answer at all.
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
      gateway.writeTable(broken);
      gateway.awaitConfigVersion(broken.configVersion());

      HttpResponse<String> r =
          gateway.send(
              HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/responses/" + id))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build());

      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(GatewayHarness.json(r.body()).path("error").path("code").asText())
          .isEqualTo("no_healthy_target");
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
