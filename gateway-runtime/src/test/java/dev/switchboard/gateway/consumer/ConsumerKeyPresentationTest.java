package dev.switchboard.gateway.consumer;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import java.net.URI;
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
 * How a consumer key may be presented: in {@code Authorization: Bearer} (scheme in any case),
 * {@code api-key} or {@code x-api-key}, the same key in several of them too. Two different keys in
 * one request are refused, so a request never picks one of two consumers by the order the gateway
 * reads headers in (a proxy adding one header to a client's other, say); a key in the query string
 * is no key, nor is an {@code Authorization} of another scheme or without one.
 */
class ConsumerKeyPresentationTest {

  @TempDir static Path dir;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    Path consumers =
        ConsumerFixture.writeConsumers(
            dir,
            ConsumerFixture.consumer("chat-only", "sk-chat", List.of("chat*"), null),
            ConsumerFixture.consumer("everything", "sk-all", null));
    gateway =
        ConsumerFixture.gateway(
            dir,
            consumers,
            m ->
                TestTables.table(
                    List.of(TestTables.provider("mock", m.baseUrl(), true)),
                    List.of(
                        route("chat", List.of(), target("mock", "gpt-4o-mini", 0)),
                        route("secret-model", List.of(), target("mock", "gpt-4o", 0)))),
            "mock",
            null);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static HttpResponse<String> models(String query, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/models" + query))
            .timeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    return gateway.send(b.GET().build());
  }

  @Test
  void eachHeaderAndTheSchemeInAnyCaseCarryTheKey() throws Exception {
    for (Map<String, String> headers :
        List.of(
            Map.of("authorization", "Bearer sk-all"),
            Map.of("authorization", "bearer sk-all"),
            Map.of("authorization", "BEARER  sk-all "),
            Map.of("api-key", "sk-all"),
            Map.of("x-api-key", "sk-all"),
            // Clients that set every header they know, with one key.
            Map.of("authorization", "Bearer sk-all", "api-key", "sk-all", "x-api-key", "sk-all"))) {
      HttpResponse<String> answer = models("", headers);
      assertThat(answer.statusCode()).as(headers.toString()).isEqualTo(200);
      assertThat(answer.body()).contains("secret-model");
    }
  }

  @Test
  void twoDifferentKeysInOneRequestAreRefused() throws Exception {
    double conflictingBefore = conflicting();
    for (Map<String, String> headers :
        List.of(
            Map.of("authorization", "Bearer sk-chat", "x-api-key", "sk-all"),
            Map.of("authorization", "Bearer sk-all", "api-key", "sk-chat"),
            Map.of("api-key", "sk-chat", "x-api-key", "sk-all"),
            // A known key beside an unknown one is no better.
            Map.of("authorization", "Bearer sk-all", "x-api-key", "sk-nobody"))) {
      HttpResponse<String> answer = models("", headers);
      assertThat(answer.statusCode()).as(headers.toString()).isEqualTo(401);
      assertThat(GatewayHarness.json(answer.body()).at("/error/code").asText())
          .isEqualTo("invalid_api_key");
      assertThat(answer.body()).doesNotContain("sk-chat", "sk-all", "sk-nobody");
    }
    // The refusal is counted, by its own reason.
    assertThat(conflicting() - conflictingBefore).isEqualTo(4);
  }

  /**
   * {@code switchboard_consumer_unauthenticated_total{reason="conflicting"}}, 0 before the first.
   */
  static double conflicting() throws Exception {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "switchboard_consumer_unauthenticated_total\\{[^}]*reason=\"conflicting\"[^}]*}"
                    + " (\\S+)")
            .matcher(gateway.admin("/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void oneKeyHeaderGivenTwiceWithTwoKeysIsRefused() throws Exception {
    for (String[] twice :
        List.of(
            new String[] {"authorization", "Bearer sk-chat", "Bearer sk-all"},
            new String[] {"x-api-key", "sk-chat", "sk-all"},
            new String[] {"api-key", "sk-all", "sk-chat"})) {
      HttpResponse<String> answer =
          gateway.send(
              HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/models"))
                  .timeout(Duration.ofSeconds(10))
                  .header(twice[0], twice[1])
                  .header(twice[0], twice[2])
                  .GET()
                  .build());
      assertThat(answer.statusCode()).as(twice[0]).isEqualTo(401);
      assertThat(answer.body()).doesNotContain("sk-chat", "sk-all");
    }
    // The same key twice is one key.
    HttpResponse<String> same =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/models"))
                .timeout(Duration.ofSeconds(10))
                .header("x-api-key", "sk-all")
                .header("x-api-key", "sk-all")
                .GET()
                .build());
    assertThat(same.statusCode()).isEqualTo(200);
  }

  @Test
  void onTheMessagesDoorTwoKeysAreRefusedInAnthropicsShape() throws Exception {
    HttpResponse<String> answer =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .header("anthropic-version", "2023-06-01")
                .header("x-api-key", "sk-chat")
                .header("authorization", "Bearer sk-all")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"secret-model\",\"max_tokens\":8,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build());
    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(GatewayHarness.json(answer.body()).at("/type").asText()).isEqualTo("error");
    assertThat(GatewayHarness.json(answer.body()).at("/error/type").asText())
        .isEqualTo("authentication_error");
    assertThat(answer.body()).doesNotContain("sk-chat", "sk-all");
  }

  /**
   * An {@code Authorization} of another scheme, or a key without the {@code Bearer} scheme, is no
   * key: 401 saying the expected form, the value never quoted — even when the value is a consumer's
   * key (as a bare value, or as the credential of another scheme).
   */
  @Test
  void anAuthorizationThatIsNotBearerIsRefusedWithTheExpectedForm() throws Exception {
    double before = refusals("scheme");
    List<String> forms = List.of("Basic sk-all", "Token sk-all", "sk-all", "Basic c2stYWxs");
    for (String auth : forms) {
      HttpResponse<String> answer = models("", Map.of("authorization", auth));
      assertThat(answer.statusCode()).as(auth).isEqualTo(401);
      assertThat(GatewayHarness.json(answer.body()).at("/error/code").asText())
          .isEqualTo("invalid_api_key");
      assertThat(GatewayHarness.json(answer.body()).at("/error/message").asText())
          .contains("Authorization: Bearer YOUR_KEY");
      assertThat(answer.body()).doesNotContain("sk-all", "c2stYWxs", "Token ");
    }
    assertThat(refusals("scheme") - before).isEqualTo(forms.size());
    // Beside another scheme (an ingress's Basic auth, say), a key header carries the key.
    HttpResponse<String> beside =
        models("", Map.of("authorization", "Basic dXNlcjpwdw==", "x-api-key", "sk-all"));
    assertThat(beside.statusCode()).isEqualTo(200);
  }

  @Test
  void onTheMessagesDoorAnotherSchemeIsRefusedInAnthropicsShape() throws Exception {
    HttpResponse<String> answer =
        gateway.send(
            HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .header("anthropic-version", "2023-06-01")
                .header("authorization", "Basic sk-all")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"secret-model\",\"max_tokens\":8,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build());
    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(GatewayHarness.json(answer.body()).at("/type").asText()).isEqualTo("error");
    assertThat(GatewayHarness.json(answer.body()).at("/error/type").asText())
        .isEqualTo("authentication_error");
    assertThat(GatewayHarness.json(answer.body()).at("/error/message").asText())
        .contains("Authorization: Bearer YOUR_KEY");
    assertThat(answer.body()).doesNotContain("sk-all");
  }

  /** {@code switchboard_consumer_unauthenticated_total{reason=...}}, 0 before the first. */
  static double refusals(String reason) throws Exception {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "switchboard_consumer_unauthenticated_total\\{[^}]*reason=\""
                    + reason
                    + "\"[^}]*} (\\S+)")
            .matcher(gateway.admin("/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aKeyThatIsPartOfAnotherIsNoKey() throws Exception {
    for (String near : List.of("sk-al", "sk-all-", "sk-allx", "xsk-all", "sk-all\tx")) {
      HttpResponse<String> answer = models("", Map.of("x-api-key", near));
      assertThat(answer.statusCode()).as(near).isEqualTo(401);
      assertThat(GatewayHarness.json(answer.body()).at("/error/code").asText())
          .isEqualTo("invalid_api_key");
    }
  }

  @Test
  void aKeyInTheQueryStringIsNoKey() throws Exception {
    for (String query : List.of("?key=sk-all", "?api_key=sk-all", "?api-key=sk-all")) {
      HttpResponse<String> answer = models(query, Map.of());
      assertThat(answer.statusCode()).as(query).isEqualTo(401);
      assertThat(GatewayHarness.json(answer.body()).at("/error/code").asText())
          .isEqualTo("missing_api_key");
      assertThat(answer.body()).doesNotContain("sk-all");
    }
  }
}
