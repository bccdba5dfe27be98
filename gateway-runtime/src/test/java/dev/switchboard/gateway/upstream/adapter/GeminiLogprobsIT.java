package dev.switchboard.gateway.upstream.adapter;

import static dev.switchboard.gateway.TestTables.route;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.openapi.OpenAiWireFormat;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token logprobs from a native Gemini target, end to end against the mock provider, which answers
 * {@code responseLogprobs} with a {@code logprobsResult} in Gemini's wire format: the chat and
 * Responses doors give them back in OpenAI's shape, tokens that join to the answer's text.
 */
class GeminiLogprobsIT {

  static final String MODEL = "gemini-2.5-flash";

  @TempDir static Path dir;
  static GatewayHarness gateway;
  static MockProvider mock;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions().keys("gm-key").models(MODEL),
            GeminiLogprobsIT::table,
            Map.of("gem", "gm-key"));
    mock = gateway.mock();
  }

  static RoutingTable table(MockProvider mock) {
    return TestTables.table(
        List.of(
            TestTables.provider(
                "gem",
                "gemini",
                mock.origin() + "/v1beta",
                true,
                Map.of(
                    MODEL,
                    new RoutingTable.Model(
                        List.of("chat"),
                        1_000_000L,
                        new RoutingTable.Pricing(0.30, 2.50, 0.075, "USD"),
                        null)),
                null)),
        List.of(route("g", List.of(), target("gem", MODEL, 0))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void reset() {
    mock.faults().clearAll();
  }

  private static JsonNode lastSent() throws Exception {
    return GatewayHarness.json(mock.requests().get(mock.requests().size() - 1).body().encode());
  }

  /**
   * Each token as OpenAI gives it: text, a log probability, its UTF-8 bytes and {@code top}
   * alternatives, best first; the tokens together are {@code text}.
   */
  private static void assertTokensSpell(JsonNode tokens, String text, int top) {
    assertThat(tokens.isArray()).as("%s", tokens).isTrue();
    assertThat(tokens.size()).isGreaterThan(1);
    StringBuilder joined = new StringBuilder();
    for (JsonNode token : tokens) {
      String piece = token.path("token").asText();
      joined.append(piece);
      assertThat(token.path("logprob").isNumber()).as("%s", token).isTrue();
      assertThat(token.path("logprob").asDouble()).isNegative();
      byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
      assertThat(token.path("bytes")).hasSize(utf8.length);
      for (int i = 0; i < utf8.length; i++) {
        assertThat(token.path("bytes").get(i).asInt()).isEqualTo(utf8[i] & 0xff);
      }
      JsonNode alternatives = token.path("top_logprobs");
      assertThat(alternatives).hasSize(top);
      for (int i = 0; i < alternatives.size(); i++) {
        assertThat(alternatives.get(i).path("logprob").isNumber()).isTrue();
        if (i > 0) {
          assertThat(alternatives.get(i).path("logprob").asDouble())
              .isLessThanOrEqualTo(alternatives.get(i - 1).path("logprob").asDouble());
        }
      }
    }
    assertThat(joined.toString()).isEqualTo(text);
  }

  @Test
  void chatLogprobsComeBackFromGeminisLogprobsResult() throws Exception {
    HttpResponse<String> r =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"count the cats\"}],"
                + "\"logprobs\":true,\"top_logprobs\":2,\"n\":2}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.CHAT_COMPLETION, r.body());
    JsonNode config = lastSent().path("generationConfig");
    assertThat(config.path("responseLogprobs").asBoolean()).isTrue();
    assertThat(config.path("logprobs").asInt()).isEqualTo(2);
    JsonNode choices = GatewayHarness.json(r.body()).path("choices");
    assertThat(choices).hasSize(2);
    for (JsonNode choice : choices) {
      String text = choice.path("message").path("content").asText();
      assertThat(text).contains("count the cats");
      assertTokensSpell(choice.path("logprobs").path("content"), text, 2);
      assertThat(choice.path("logprobs").has("refusal")).isTrue();
      assertThat(choice.path("logprobs").path("refusal").isNull()).isTrue();
    }
    assertThat(r.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();

    // logprobs alone: each token with no alternatives, as OpenAI answers top_logprobs absent.
    HttpResponse<String> chosenOnly =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"count\"}],"
                + "\"logprobs\":true}");
    assertThat(chosenOnly.statusCode()).as(chosenOnly.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.CHAT_COMPLETION, chosenOnly.body());
    JsonNode only = GatewayHarness.json(chosenOnly.body()).path("choices").get(0);
    assertTokensSpell(
        only.path("logprobs").path("content"), only.path("message").path("content").asText(), 0);

    // Not asked: null, as OpenAI answers.
    HttpResponse<String> plain =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}");
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(GatewayHarness.json(plain.body()).path("choices").get(0).get("logprobs").isNull())
        .isTrue();
  }

  /**
   * More alternatives than Gemini gives (20) is Gemini's 400, relayed in OpenAI's error shape; the
   * gateway does not clamp or drop the field.
   */
  @Test
  void moreTopLogprobsThanGeminiGivesIsItsBadRequest() throws Exception {
    HttpResponse<String> r =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"count\"}],"
                + "\"logprobs\":true,\"top_logprobs\":21}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.ERROR, r.body());
    JsonNode error = GatewayHarness.json(r.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).contains("logprobs").contains("[0, 20]");
  }

  @Test
  void responsesOutputTextCarriesGeminisLogprobs() throws Exception {
    HttpResponse<String> r =
        gateway.post(
            "/v1/responses",
            "{\"model\":\"g\",\"store\":false,\"input\":\"count the dogs\","
                + "\"include\":[\"message.output_text.logprobs\"],\"top_logprobs\":2}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    OpenAiWireFormat.assertValid(OpenAiWireFormat.Body.RESPONSE, r.body());
    JsonNode config = lastSent().path("generationConfig");
    assertThat(config.path("responseLogprobs").asBoolean()).isTrue();
    assertThat(config.path("logprobs").asInt()).isEqualTo(2);
    JsonNode message = null;
    for (JsonNode item : GatewayHarness.json(r.body()).path("output")) {
      if ("message".equals(item.path("type").asText())) {
        message = item;
      }
    }
    assertThat(message).as(r.body()).isNotNull();
    JsonNode part = message.path("content").get(0);
    assertThat(part.path("type").asText()).isEqualTo("output_text");
    assertThat(part.path("text").asText()).contains("count the dogs");
    assertTokensSpell(part.path("logprobs"), part.path("text").asText(), 2);
    assertThat(r.headers().firstValue("x-switchboard-unhonoured-params")).isEmpty();
  }
}
