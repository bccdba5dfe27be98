package dev.switchboard.mock.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mock's bodies validate against OpenAI's own OpenAPI component schemas. */
class OpenApiConformanceTest {

  private static final String KEY = "sk-conformance";
  private static MockProvider mock;
  private static OpenApiSchemas schemas;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    schemas = OpenApiSchemas.shared();
    mock =
        MockProvider.startBlocking(
            new MockProviderOptions()
                .keys(KEY)
                .alias("gpt-4o", "gpt-4o-2024-08-06")
                .models("gpt-4o-mini", "text-embedding-3-small"));
  }

  @AfterAll
  static void stop() {
    mock.close();
  }

  @Test
  void chatCompletionIsValid() throws Exception {
    String body = post("/v1/chat/completions", chat(""), null).body();

    assertThat(schemas.validate(OpenApiSchemas.CHAT_COMPLETION, body)).isEmpty();
  }

  @Test
  void toolCallRefusalAndJsonModeAnswersAreValid() throws Exception {
    String tools =
        ",\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
    assertThat(
            schemas.validate(
                OpenApiSchemas.CHAT_COMPLETION,
                post("/v1/chat/completions", chat(tools), null).body()))
        .isEmpty();
    assertThat(
            schemas.validate(
                OpenApiSchemas.CHAT_COMPLETION,
                post("/v1/chat/completions", chat(""), "refusal").body()))
        .isEmpty();
    String json = ",\"response_format\":{\"type\":\"json_object\"}";
    assertThat(
            schemas.validate(
                OpenApiSchemas.CHAT_COMPLETION,
                post("/v1/chat/completions", chat(json), null).body()))
        .isEmpty();
  }

  @Test
  void everyStreamChunkIsValid() throws Exception {
    String usage = ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
    String tools =
        ",\"stream\":true,\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";

    assertThat(schemas.validateChatStream(post("/v1/chat/completions", chat(usage), null).body()))
        .isEmpty();
    assertThat(schemas.validateChatStream(post("/v1/chat/completions", chat(tools), null).body()))
        .isEmpty();
    assertThat(
            schemas.validateChatStream(post("/v1/chat/completions", chat(usage), "refusal").body()))
        .isEmpty();
  }

  @Test
  void embeddingsModelsAndModelAreValid() throws Exception {
    String embeddings =
        post(
                "/v1/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}",
                null)
            .body();

    assertThat(schemas.validate(OpenApiSchemas.EMBEDDINGS, embeddings)).isEmpty();
    assertThat(schemas.validate(OpenApiSchemas.MODELS, get("/v1/models").body())).isEmpty();
    assertThat(schemas.validate(OpenApiSchemas.MODEL, get("/v1/models/gpt-4o-mini").body()))
        .isEmpty();
  }

  @Test
  void errorBodiesAreValidErrorResponses() throws Exception {
    HttpResponse<String> unauthorized =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(mock.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(chat("")))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> rateLimited =
        post("/v1/chat/completions", chat(""), "status:429;retry-after=1");
    HttpResponse<String> unknownModel =
        post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}", null);

    for (HttpResponse<String> res : java.util.List.of(unauthorized, rateLimited, unknownModel)) {
      assertThat(res.statusCode()).isGreaterThanOrEqualTo(400);
      assertThat(schemas.validate(OpenApiSchemas.ERROR, res.body())).as(res.body()).isEmpty();
    }
  }

  @Test
  void validatorRejectsBodiesThatBreakTheSchema() {
    String missingChoices =
        "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\"}";
    String wrongFinishReason =
        "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\",\"refusal\":null},\"logprobs\":null,"
            + "\"finish_reason\":\"done\"}]}";
    String errorWithoutParam = "{\"error\":{\"message\":\"m\",\"type\":\"t\",\"code\":null}}";

    assertThat(schemas.validate(OpenApiSchemas.CHAT_COMPLETION, missingChoices)).isNotEmpty();
    assertThat(schemas.validate(OpenApiSchemas.CHAT_COMPLETION, wrongFinishReason)).isNotEmpty();
    assertThat(schemas.validate(OpenApiSchemas.ERROR, errorWithoutParam)).isNotEmpty();
    assertThat(schemas.validate(OpenApiSchemas.ERROR, "not json")).isNotEmpty();
    assertThatThrownBy(() -> schemas.assertValid(OpenApiSchemas.CHAT_COMPLETION, missingChoices))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void nullableStreamFieldsAcceptNullButNotWrongTypes() {
    String chunk =
        "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"usage\":null,"
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"logprobs\":null,\"finish_reason\":%s}]}";

    assertThat(schemas.validate(OpenApiSchemas.CHAT_COMPLETION_CHUNK, chunk.formatted("null")))
        .isEmpty();
    assertThat(schemas.validate(OpenApiSchemas.CHAT_COMPLETION_CHUNK, chunk.formatted("\"stop\"")))
        .isEmpty();
    assertThat(schemas.validate(OpenApiSchemas.CHAT_COMPLETION_CHUNK, chunk.formatted("42")))
        .isNotEmpty();
  }

  @Test
  void streamValidationReportsTruncation() throws Exception {
    String body = post("/v1/chat/completions", chat(",\"stream\":true"), "truncate:2").body();

    assertThat(schemas.validateChatStream(body)).contains("stream ended without data: [DONE]");
  }

  @Test
  void unknownSchemaNameIsAnError() {
    assertThat(schemas.hasSchema("NoSuchSchema")).isFalse();
    assertThatThrownBy(() -> schemas.validate("NoSuchSchema", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String chat(String extra) {
    return "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]"
        + extra
        + "}";
  }

  private static HttpResponse<String> post(String path, String json, String fault)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(mock.origin() + path))
            .timeout(Duration.ofSeconds(10))
            .header("authorization", "Bearer " + KEY)
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (fault != null) {
      b.header(MockProvider.FAULT_HEADER, fault);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(mock.origin() + path))
            .header("authorization", "Bearer " + KEY)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
