package dev.switchboard.mock.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.mock.openapi.OpenAiWireFormat.Body;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wire-format checker's always-on layer (the openai-java SDK's models and the required-nullable
 * and integer rules on top) rejects what OpenAI's format forbids; {@link OpenApiDocumentCheckTest}
 * covers the optional document layer.
 */
class OpenAiWireFormatTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String COMPLETION =
      """
      {"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
       "message":{"role":"assistant","content":"hi","refusal":null},"logprobs":null,
       "finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}
      """;
  static final String CHUNK =
      """
      {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","usage":null,
       "choices":[{"index":0,"delta":{"content":"a"},"logprobs":null,"finish_reason":null}]}
      """;
  private static final String EMBEDDINGS =
      """
      {"object":"list","model":"m","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2]}],
       "usage":{"prompt_tokens":1,"total_tokens":1}}
      """;
  private static final String MODEL =
      "{\"id\":\"gpt-4o\",\"object\":\"model\",\"created\":1,\"owned_by\":\"switchboard\"}";
  private static final String MODELS = "{\"object\":\"list\",\"data\":[" + MODEL + "]}";
  static final String ERROR =
      "{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";

  static final String RESPONSE =
      """
      {"id":"resp_1","object":"response","created_at":1,"status":"completed","error":null,
       "incomplete_details":null,"instructions":null,"metadata":{},"model":"m","output":[
       {"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[
       {"type":"output_text","text":"hi","annotations":[],"logprobs":[]}]}],"parallel_tool_calls":true,
       "temperature":1.0,"tool_choice":"auto","tools":[],"top_p":1.0,
       "usage":{"input_tokens":1,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},
       "output_tokens":1,
       "output_tokens_details":{"reasoning_tokens":0},"total_tokens":2}}
      """;
  static final String TEXT_DELTA =
      """
      {"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,
       "delta":"hi","logprobs":[],"sequence_number":3}
      """;

  private static final Map<Body, String> VALID =
      Map.of(
          Body.RESPONSE, RESPONSE,
          Body.RESPONSE_STREAM_EVENT, TEXT_DELTA,
          Body.CHAT_COMPLETION, COMPLETION,
          Body.CHAT_COMPLETION_CHUNK, CHUNK,
          Body.EMBEDDINGS, EMBEDDINGS,
          Body.MODELS, MODELS,
          Body.MODEL, MODEL,
          Body.ERROR, ERROR);

  @Test
  void validBodiesPassBothLayers() {
    for (Body body : Body.values()) {
      assertThat(OpenAiWireFormat.problems(body, VALID.get(body))).as(body.name()).isEmpty();
    }
  }

  @Test
  void sdkLayerRejectsMissingFieldsWrongEnumsConstantsAndTypes() {
    assertThat(
            sdk(
                Body.CHAT_COMPLETION,
                "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\"}"))
        .anySatisfy(p -> assertThat(p).contains("`choices` is not set"));
    assertThat(sdk(Body.CHAT_COMPLETION, COMPLETION.replace("\"stop\"", "\"done\"")))
        .anySatisfy(p -> assertThat(p).contains("FinishReason: done"));
    assertThat(sdk(Body.CHAT_COMPLETION, COMPLETION.replace("\"chat.completion\"", "\"x\"")))
        .anySatisfy(p -> assertThat(p).contains("object_"));
    assertThat(sdk(Body.CHAT_COMPLETION, COMPLETION.replace("\"created\":1", "\"created\":\"1\"")))
        .isNotEmpty();
    assertThat(sdk(Body.CHAT_COMPLETION, COMPLETION.replace("\"assistant\"", "\"user\"")))
        .isNotEmpty();
    assertThat(
            sdk(
                Body.CHAT_COMPLETION_CHUNK,
                CHUNK.replace("\"finish_reason\":null", "\"finish_reason\":42")))
        .isNotEmpty();
    assertThat(sdk(Body.EMBEDDINGS, EMBEDDINGS.replace("-0.2", "\"x\""))).isNotEmpty();
    assertThat(sdk(Body.EMBEDDINGS, EMBEDDINGS.replace("\"object\":\"list\"", "\"object\":\"l\"")))
        .isNotEmpty();
    assertThat(sdk(Body.MODEL, MODEL.replace(",\"owned_by\":\"switchboard\"", "")))
        .anySatisfy(p -> assertThat(p).contains("owned_by"));
    assertThat(sdk(Body.MODELS, MODELS.replace("\"list\"", "\"lis\""))).isNotEmpty();
    assertThat(sdk(Body.ERROR, "{\"message\":\"m\",\"type\":\"t\",\"param\":null,\"code\":null}"))
        .anySatisfy(p -> assertThat(p).contains("`error` is not an object"));
    assertThat(sdk(Body.ERROR, ERROR.replace("\"code\":null", "\"code\":5"))).isNotEmpty();
    assertThat(sdk(Body.ERROR, ERROR.replace("\"message\":\"m\"", "\"message\":null")))
        .isNotEmpty();
    assertThat(sdk(Body.CHAT_COMPLETION, "[]")).containsExactly("not a JSON object: ARRAY");
  }

  @Test
  void requiredButNullableKeysMustBePresent() {
    assertThat(sdk(Body.CHAT_COMPLETION, COMPLETION.replace(",\"refusal\":null", "")))
        .containsExactly("`choices[0].message.refusal` is required (null allowed) but missing");
    assertThat(sdk(Body.CHAT_COMPLETION, COMPLETION.replace("\"logprobs\":null,", "")))
        .containsExactly("`choices[0].logprobs` is required (null allowed) but missing");
    assertThat(sdk(Body.CHAT_COMPLETION_CHUNK, CHUNK.replace(",\"finish_reason\":null", "")))
        .containsExactly("`choices[0].finish_reason` is required (null allowed) but missing");
    assertThat(sdk(Body.ERROR, ERROR.replace("\"param\":null,", "")))
        .containsExactly("`error.param` is required (null allowed) but missing");
  }

  @Test
  void integersMustBeIntegers() {
    assertThat(sdk(Body.CHAT_COMPLETION, COMPLETION.replace("\"index\":0", "\"index\":1.5")))
        .containsExactly("`choices[0].index` must be an integer, received 1.5");
    assertThat(
            sdk(Body.EMBEDDINGS, EMBEDDINGS.replace("\"total_tokens\":1", "\"total_tokens\":1.0")))
        .containsExactly("`usage.total_tokens` must be an integer, received 1.0");
  }

  @Test
  void problemsAlwaysIncludeTheSdkLayerAndReportNonJson() {
    assertThat(OpenAiWireFormat.problems(Body.ERROR, ERROR.replace("\"param\":null,", "")))
        .contains("`error.param` is required (null allowed) but missing");
    assertThat(OpenAiWireFormat.problems(Body.ERROR, "not json"))
        .singleElement()
        .satisfies(p -> assertThat(p).startsWith("not JSON"));
    assertThatThrownBy(() -> OpenAiWireFormat.assertValid(Body.MODEL, "{}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("MODEL violations");
  }

  @Test
  void chatStreamProblemsCoverFramingAndEveryChunk() {
    String role =
        CHUNK.replace("\"delta\":{\"content\":\"a\"}", "\"delta\":{\"role\":\"assistant\"}");
    String last = CHUNK.replace("\"finish_reason\":null", "\"finish_reason\":\"stop\"");
    String stream = "data: " + flat(role) + "\n\ndata: " + flat(last) + "\n\ndata: [DONE]\n\n";

    assertThat(OpenAiWireFormat.chatStreamProblems(stream)).isEmpty();
    assertThat(OpenAiWireFormat.chatStreamProblems(stream.replace("\"index\":0", "\"index\":0.0")))
        .contains("chunk 0: `choices[0].index` must be an integer, received 0.0");
    assertThat(OpenAiWireFormat.chatStreamProblems(stream.replace("data: [DONE]\n\n", "")))
        .contains("stream ended without data: [DONE]");
  }

  @Test
  void theDocumentIsReadOnlyWhenNamedAndMustExistThen(@TempDir Path dir) {
    String before = System.getProperty(OpenApiSchemas.PATH_PROPERTY);
    try {
      System.setProperty(OpenApiSchemas.PATH_PROPERTY, " ");
      assertThat(OpenApiSchemas.locate()).isEmpty();
      System.setProperty(OpenApiSchemas.PATH_PROPERTY, dir.resolve("missing.yaml").toString());
      assertThatThrownBy(OpenApiSchemas::locate)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("missing.yaml");
    } finally {
      if (before == null) {
        System.clearProperty(OpenApiSchemas.PATH_PROPERTY);
      } else {
        System.setProperty(OpenApiSchemas.PATH_PROPERTY, before);
      }
    }
  }

  static java.util.List<String> sdk(Body body, String json) {
    try {
      return OpenAiWireFormat.sdkProblems(body, JSON.readTree(json));
    } catch (Exception e) {
      throw new AssertionError("test body is not JSON: " + json, e);
    }
  }

  private static String flat(String json) {
    return json.replace("\n", "");
  }
}
