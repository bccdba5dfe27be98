package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mock provider's {@code unterminated-end} fault on every wire format it speaks: a complete
 * stream whose final event ({@code [DONE]}, {@code message_stop}, Gemini's finishing chunk, {@code
 * response.completed}) lacks its blank line, or its line end too. Through the gateway every door
 * gets a complete stream that ends with its own final event, framed whole, and no error event.
 */
class MockUnterminatedEndIT {

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir, new MockProviderOptions(), MockUnterminatedEndIT::table, Map.of());
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(
            TestTables.provider("openai", "openai", mock.baseUrl(), false, Map.of(), null),
            TestTables.provider("claude", "anthropic", mock.baseUrl(), false, Map.of(), null),
            TestTables.provider("gem", "gemini", mock.origin() + "/v1beta", false, Map.of(), null)),
        List.of(
            TestTables.route("gpt", List.of(), TestTables.target("openai", "gpt-4o-mini", 0)),
            TestTables.route(
                "claude", List.of(), TestTables.target("claude", "claude-sonnet-4-5", 0)),
            TestTables.route(
                "gemini", List.of(), TestTables.target("gem", "gemini-2.5-flash", 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.faults().clearAll();
  }

  @ParameterizedTest
  @CsvSource({
    "gpt, /v1/chat/completions, line",
    "gpt, /v1/chat/completions, bare",
    "gpt, /v1/responses, line",
    "gpt, /v1/responses, bare",
    "claude, /v1/messages, line",
    "claude, /v1/messages, bare",
    "claude, /v1/chat/completions, bare",
    "gemini, /v1/chat/completions, line",
    "gemini, /v1/chat/completions, bare",
  })
  void aFinalEventWithoutItsBlankLineEndsTheClientsStreamWhole(
      String route, String path, String mode) throws Exception {
    mock.faults().set("*", "unterminated-end:" + mode);
    String body =
        switch (path) {
          case "/v1/responses" ->
              "{\"model\":\"" + route + "\",\"stream\":true,\"input\":\"Say hi\"}";
          case "/v1/messages" ->
              "{\"model\":\""
                  + route
                  + "\",\"max_tokens\":32,\"stream\":true,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";
          default -> GatewayHarness.chat(route, true);
        };

    HttpResponse<String> response = gateway.post(path, body);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(mock.outcomes("unterminated-end")).isPositive();
    String end =
        switch (path) {
          case "/v1/responses" -> "event: response.completed\n";
          case "/v1/messages" -> "event: message_stop\n";
          default -> "data: [DONE]\n\n";
        };
    String text = response.body();
    assertThat(text)
        .as(text)
        .endsWith("\n\n")
        .doesNotContain("\"error\":{")
        .doesNotContain("event: error");
    int lastEvent = text.lastIndexOf("\n\n", text.length() - 3);
    assertThat(text.substring(lastEvent + 2)).as(text).startsWith(end);
  }
}
