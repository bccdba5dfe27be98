package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Once consumer keys are required, the Responses API's stored-response endpoints (which the gateway
 * answers with its own provider key) want a consumer key as every other {@code /v1} request does.
 */
class ConsumerKeysOnStoredResponsesTest {

  /** The request limit of consumer {@code limited}, per minute. */
  static final int LIMITED_RPM = 3;

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;
  static final HttpClient http = ConsumerFixture.http();

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir,
            ConsumerFixture.consumer("team", "sk-team", null),
            ConsumerFixture.consumer("other-team", "sk-other-team", null),
            new dev.switchboard.contract.ConsumerTable.Consumer(
                "limited",
                List.of(dev.switchboard.gateway.request.KeyDigest.of("sk-limited")),
                null,
                List.of(new dev.switchboard.contract.ConsumerTable.RateLimit(LIMITED_RPM, null)),
                null,
                null,
                Map.of()));
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            m ->
                TestTables.table(
                    List.of(
                        TestTables.provider("openai", "openai", m.baseUrl(), true, Map.of(), null)),
                    List.of(route("native", List.of(), target("openai", "gpt-4.1", 0)))),
            "openai",
            null);
    mock = gateway.mock();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.origin() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> create(String key, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/responses"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .header("authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void storedResponsesAreOnlyServedToAConsumerKey() throws Exception {
    HttpResponse<String> created =
        create("sk-team", "{\"model\":\"native\",\"input\":\"Something private\"}");
    assertThat(created.statusCode()).isEqualTo(200);
    String id = GatewayHarness.json(created.body()).get("id").asText();
    int upstreamCalls = mock.requests().size();

    for (String[] call :
        new String[][] {
          {"GET", "/v1/responses/" + id},
          {"GET", "/v1/responses/" + id + "/input_items"},
          {"POST", "/v1/responses/" + id + "/cancel"},
          {"DELETE", "/v1/responses/" + id}
        }) {
      HttpResponse<String> missing = send(call[0], call[1]);
      assertThat(missing.statusCode()).as(call[0] + " " + call[1]).isEqualTo(401);
      assertThat(GatewayHarness.json(missing.body()).at("/error/code").asText())
          .isEqualTo("missing_api_key");
      HttpResponse<String> unknown =
          send(call[0], call[1], "authorization", "Bearer sk-someone-else");
      assertThat(unknown.statusCode()).as(call[0] + " " + call[1]).isEqualTo(401);
      assertThat(GatewayHarness.json(unknown.body()).at("/error/code").asText())
          .isEqualTo("invalid_api_key");
      assertThat(unknown.body()).doesNotContain("sk-someone-else");
    }
    assertThat(mock.requests()).as("nothing reached the provider").hasSize(upstreamCalls);

    HttpResponse<String> own =
        send("GET", "/v1/responses/" + id, "authorization", "Bearer sk-team");
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(GatewayHarness.json(own.body()).get("id").asText()).isEqualTo(id);
  }

  /**
   * A consumer's request limit counts its stored-response calls as requests: past it a retrieve is
   * refused as any request is (429 {@code rate_limit_exceeded} with {@code Retry-After}) and the
   * provider is not called.
   */
  @Test
  void aConsumersRequestLimitAppliesToItsStoredResponseCalls() throws Exception {
    HttpResponse<String> created =
        create("sk-limited", "{\"model\":\"native\",\"input\":\"Count me\"}");
    assertThat(created.statusCode()).isEqualTo(200);
    String id = GatewayHarness.json(created.body()).get("id").asText();
    for (int i = 1; i < LIMITED_RPM; i++) {
      assertThat(
              send("GET", "/v1/responses/" + id, "authorization", "Bearer sk-limited").statusCode())
          .isEqualTo(200);
    }
    int upstreamCalls = mock.requests().size();

    HttpResponse<String> over =
        send("GET", "/v1/responses/" + id + "/input_items", "authorization", "Bearer sk-limited");

    assertThat(over.statusCode()).as(over.body()).isEqualTo(429);
    assertThat(GatewayHarness.json(over.body()).at("/error/code").asText())
        .isEqualTo("rate_limit_exceeded");
    assertThat(over.headers().firstValue("retry-after")).isPresent();
    assertThat(mock.requests()).as("nothing reached the provider").hasSize(upstreamCalls);
    // Another consumer's limits are its own.
    assertThat(send("GET", "/v1/responses/" + id, "authorization", "Bearer sk-team").statusCode())
        .isEqualTo(404);
  }

  @Test
  void aConsumerCannotReadOrContinueAnotherConsumersStoredResponse() throws Exception {
    HttpResponse<String> created =
        create("sk-team", "{\"model\":\"native\",\"input\":\"Our roadmap\"}");
    assertThat(created.statusCode()).isEqualTo(200);
    String id = GatewayHarness.json(created.body()).get("id").asText();
    int upstreamCalls = mock.requests().size();

    for (String[] call :
        new String[][] {
          {"GET", "/v1/responses/" + id},
          {"GET", "/v1/responses/" + id + "/input_items"},
          {"POST", "/v1/responses/" + id + "/cancel"},
          {"DELETE", "/v1/responses/" + id}
        }) {
      HttpResponse<String> foreign =
          send(call[0], call[1], "authorization", "Bearer sk-other-team");
      assertThat(foreign.statusCode()).as(call[0] + " " + call[1]).isEqualTo(404);
    }
    HttpResponse<String> followUp =
        create(
            "sk-other-team",
            "{\"model\":\"native\",\"input\":\"And then?\",\"previous_response_id\":\""
                + id
                + "\"}");
    assertThat(followUp.statusCode()).isEqualTo(400);
    assertThat(GatewayHarness.json(followUp.body()).at("/error/code").asText())
        .isEqualTo("previous_response_not_found");
    assertThat(mock.requests()).as("nothing reached the provider").hasSize(upstreamCalls);

    HttpResponse<String> own =
        send("GET", "/v1/responses/" + id, "authorization", "Bearer sk-team");
    assertThat(own.statusCode()).isEqualTo(200);
  }
}
