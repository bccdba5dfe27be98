package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Chat's logprobs on a Gemini target: asked of {@code generateContent}, never of a stream. */
class GeminiLogprobsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode chat(String extra) throws Exception {
    return (ObjectNode)
        JSON.readTree(
            "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"logprobs\":true,\"top_logprobs\":3"
                + extra
                + "}");
  }

  /**
   * A request not streamed asks Gemini for the logprobs ({@code responseLogprobs}, {@code
   * logprobs}); a streamed one does not: {@code streamGenerateContent} gives no {@code
   * logprobsResult} (it refuses {@code responseLogprobs}, as the Vercel AI SDK's Google provider
   * found), so the stream goes without them and the answer names both instead of failing.
   */
  @Test
  void asksForLogprobsOnlyWhenNotStreamed() throws Exception {
    ObjectNode json = chat("");
    JsonNode config = GeminiRequests.chat(json, "gemini-2.5-flash").path("generationConfig");
    assertThat(config.path("responseLogprobs").asBoolean()).isTrue();
    assertThat(config.path("logprobs").asInt()).isEqualTo(3);
    assertThat(GeminiRequests.leftOut(json, "gemini-2.5-flash")).isEmpty();

    ObjectNode streamed = chat(",\"stream\":true");
    JsonNode streamConfig =
        GeminiRequests.chat(streamed, "gemini-2.5-flash").path("generationConfig");
    assertThat(streamConfig.has("responseLogprobs")).isFalse();
    assertThat(streamConfig.has("logprobs")).isFalse();
    assertThat(GeminiRequests.leftOut(streamed, "gemini-2.5-flash"))
        .containsExactly("logprobs", "top_logprobs");

    // What an SDK writes out as its default asks nothing: nothing named.
    ObjectNode defaults =
        (ObjectNode)
            JSON.readTree(
                "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"logprobs\":false,\"top_logprobs\":0,\"stream\":true}");
    assertThat(GeminiRequests.leftOut(defaults, "gemini-2.5-flash")).isEmpty();
  }

  /**
   * {@code top_logprobs} without {@code logprobs: true} asks for alternatives of no logprobs
   * (OpenAI refuses it; Gemini documents its {@code logprobs} as "only valid if
   * responseLogprobs=True"): it is not sent, and the answer names it instead of coming back
   * silently without them.
   */
  @Test
  void topLogprobsWithoutLogprobsIsNamedNotSent() throws Exception {
    for (String logprobs : new String[] {"", ",\"logprobs\":false"}) {
      ObjectNode request =
          (ObjectNode)
              JSON.readTree(
                  "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                      + "\"top_logprobs\":2"
                      + logprobs
                      + "}");
      JsonNode config = GeminiRequests.chat(request, "gemini-2.5-flash").path("generationConfig");
      assertThat(config.has("logprobs")).as(logprobs).isFalse();
      assertThat(config.path("responseLogprobs").asBoolean(false)).isFalse();
      assertThat(GeminiRequests.leftOut(request, "gemini-2.5-flash"))
          .as(logprobs)
          .containsExactly("top_logprobs");
    }
  }

  /**
   * Gemini's JSON leaves a field at its default out (proto3): a chosen token whose {@code
   * logProbability} is 0 comes without it, and {@code logprobsResult} has no {@code topCandidates}
   * when {@code logprobs} was not asked. Each token is still there, {@code logprob: 0} and no
   * alternatives.
   */
  @Test
  void omittedDefaultsInTheLogprobsResultAreReadAsGeminiMeansThem() throws Exception {
    JsonNode gemini =
        JSON.readTree(
            """
            {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi!"}]},
              "finishReason": "STOP", "index": 0, "avgLogprobs": -0.05,
              "logprobsResult": {"chosenCandidates": [
                {"token": "Hi", "tokenId": 1, "logProbability": -0.1},
                {"token": "!", "tokenId": 2}],
               "logProbabilitySum": -0.1}}],
             "modelVersion": "gemini-2.5-flash", "responseId": "r1"}
            """);
    JsonNode logprobs = GeminiReplies.chat(gemini, 0).at("/choices/0/logprobs");
    assertThat(logprobs.path("content")).hasSize(2);
    assertThat(logprobs.at("/content/0/logprob").asDouble()).isEqualTo(-0.1);
    assertThat(logprobs.at("/content/1/token").asText()).isEqualTo("!");
    assertThat(logprobs.at("/content/1/logprob").isNumber()).isTrue();
    assertThat(logprobs.at("/content/1/logprob").asDouble()).isZero();
    assertThat(logprobs.at("/content/1/bytes/0").asInt()).isEqualTo('!');
    assertThat(logprobs.at("/content/1/top_logprobs").isArray()).isTrue();
    assertThat(logprobs.at("/content/1/top_logprobs")).isEmpty();
    assertThat(logprobs.get("refusal").isNull()).isTrue();
  }
}
