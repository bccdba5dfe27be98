package dev.switchboard.gateway.http;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request id every answer carries where the client's SDK reads it: {@code x-request-id}
 * (OpenAI) on the model endpoints too, and Anthropic's {@code request-id}, the same value, on every
 * {@code /v1/messages} answer, its errors included.
 */
class RequestIdHeadersIT {

  @TempDir static Path dir;

  static GatewayHarness gateway;

  static final String MESSAGE =
      "{\"model\":\"claude\",\"max_tokens\":16,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("sk-ant"),
            mock ->
                TestTables.table(
                    List.of(
                        TestTables.provider(
                            "ant", "anthropic", mock.baseUrl(), true, Map.of(), null)),
                    List.of(
                        TestTables.route(
                            "claude", List.of(), TestTables.target("ant", "claude-x", 0)))),
            Map.of("ant", "sk-ant"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static String header(HttpResponse<String> res, String name) {
    return res.headers().firstValue(name).orElse(null);
  }

  static void sameIdUnderBothNames(HttpResponse<String> res) {
    assertThat(header(res, "x-request-id")).as(res.body()).isNotBlank();
    assertThat(res.headers().allValues("request-id")).containsExactly(header(res, "x-request-id"));
  }

  @Test
  void messagesAnswersCarryAnthropicsRequestIdToo() throws Exception {
    HttpResponse<String> json = gateway.post("/v1/messages", MESSAGE);
    HttpResponse<String> stream =
        gateway.post("/v1/messages", MESSAGE.replace("{", "{\"stream\":true,"));
    HttpResponse<String> counted = gateway.post("/v1/messages/count_tokens", MESSAGE);

    assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    for (HttpResponse<String> res : List.of(json, stream, counted)) {
      sameIdUnderBothNames(res);
    }
  }

  @Test
  void messagesErrorsCarryItWhereverTheyAreAnswered() throws Exception {
    HttpResponse<String> unknownModel =
        gateway.post("/v1/messages", MESSAGE.replace("\"claude\"", "\"nope\""));
    HttpResponse<String> unknownPath = gateway.post("/v1/messages/nothing", MESSAGE);
    HttpResponse<String> notJson =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                .header("content-type", "text/plain")
                .header("x-request-id", "req-from-client")
                .POST(HttpRequest.BodyPublishers.ofString(MESSAGE))
                .build());

    assertThat(unknownModel.statusCode()).isEqualTo(404);
    assertThat(unknownPath.statusCode()).isEqualTo(404);
    assertThat(notJson.statusCode()).isEqualTo(415);
    for (HttpResponse<String> res : List.of(unknownModel, unknownPath, notJson)) {
      sameIdUnderBothNames(res);
      assertThat(res.body()).contains("\"type\":\"error\"");
    }
    assertThat(header(notJson, "request-id")).isEqualTo("req-from-client");
  }

  @Test
  void theOpenAiDoorsKeepToTheirOwnHeader() throws Exception {
    HttpResponse<String> chat =
        gateway.post("/v1/chat/completions", GatewayHarness.chat("nope", false));

    assertThat(header(chat, "x-request-id")).isNotBlank();
    assertThat(header(chat, "request-id")).isNull();
  }

  @Test
  void theModelEndpointsCarryARequestId() throws Exception {
    HttpResponse<String> given =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/models"))
                .header("x-request-id", "req-models-1")
                .GET()
                .build());
    HttpResponse<String> list = gateway.get("/v1/models");
    HttpResponse<String> one = gateway.get("/v1/models/claude");
    HttpResponse<String> unknown = gateway.get("/v1/models/nope");

    assertThat(header(given, "x-request-id")).isEqualTo("req-models-1");
    assertThat(List.of(list.statusCode(), one.statusCode(), unknown.statusCode()))
        .containsExactly(200, 200, 404);
    for (HttpResponse<String> res : List.of(list, one, unknown)) {
      assertThat(header(res, "x-request-id")).as(res.uri().toString()).isNotBlank();
    }
  }
}
