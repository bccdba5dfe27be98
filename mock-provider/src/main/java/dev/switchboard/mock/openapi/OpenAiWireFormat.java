package dev.switchboard.mock.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.core.ObjectMappers;
import com.openai.models.ErrorObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.models.Model;
import com.openai.models.models.ModelListPageResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import dev.switchboard.mock.sse.SseEvent;
import dev.switchboard.mock.sse.SseParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks response bodies against OpenAI's wire format, for the mock's, the gateway's and the e2e
 * tests. Two layers:
 *
 * <ol>
 *   <li>Always: the official {@code openai-java} SDK's own models. The body is read with the SDK's
 *       {@link ObjectMappers#jsonMapper()} into its type ({@link ChatCompletion}, {@link
 *       ChatCompletionChunk}, {@link CreateEmbeddingResponse}, {@link ModelListPageResponse},
 *       {@link Model}, {@link ErrorObject} inside the {@code {"error": …}} envelope) and {@code
 *       validate()}d: required fields, types, enums and constants such as {@code object}. The SDK
 *       reads a field that the OpenAPI document marks required <em>but nullable</em> as optional,
 *       and accepts {@code 1.5} for an integer, so those rules (written from the document's {@code
 *       required} lists) are checked here on top.
 *   <li>Only with {@code -Dswitchboard.openapi=PATH}: the component schema of the official OpenAPI
 *       document ({@link OpenApiSchemas}). Without it, one line on standard output says the
 *       document check is skipped; the SDK layer still runs.
 * </ol>
 *
 * <p>Requires {@code com.openai:openai-java} on the caller's classpath (an optional dependency of
 * this module, so the mock's runtime users do not carry the SDK).
 */
public final class OpenAiWireFormat {

  /** The response bodies the gateway serves, with their SDK type and OpenAPI schema. */
  public enum Body {
    /** {@code POST /v1/chat/completions}, not streamed. */
    CHAT_COMPLETION(
        OpenApiSchemas.CHAT_COMPLETION,
        n -> sdk().treeToValue(n, ChatCompletion.class).validate(),
        List.of(
            integer("created"),
            integer("choices[].index"),
            present("choices[].logprobs"),
            present("choices[].message.content"),
            present("choices[].message.refusal"))),
    /** One {@code data:} chunk of a chat stream. */
    CHAT_COMPLETION_CHUNK(
        OpenApiSchemas.CHAT_COMPLETION_CHUNK,
        n -> sdk().treeToValue(n, ChatCompletionChunk.class).validate(),
        List.of(
            integer("created"), integer("choices[].index"), present("choices[].finish_reason"))),
    /** {@code POST /v1/embeddings}. */
    EMBEDDINGS(
        OpenApiSchemas.EMBEDDINGS,
        n -> sdk().treeToValue(n, CreateEmbeddingResponse.class).validate(),
        List.of(
            integer("data[].index"),
            integer("usage.prompt_tokens"),
            integer("usage.total_tokens"))),
    /** {@code GET /v1/models}. */
    MODELS(
        OpenApiSchemas.MODELS,
        n -> sdk().treeToValue(n, ModelListPageResponse.class).validate(),
        List.of(integer("data[].created"))),
    /** {@code GET /v1/models/{model}}. */
    MODEL(
        OpenApiSchemas.MODEL,
        n -> sdk().treeToValue(n, Model.class).validate(),
        List.of(integer("created"))),
    /** {@code POST /v1/responses}, not streamed: a {@code Response} object. */
    RESPONSE(
        OpenApiSchemas.RESPONSE,
        n -> sdk().treeToValue(n, Response.class).validate(),
        List.of(
            integer("created_at"),
            present("error"),
            present("incomplete_details"),
            present("instructions"),
            present("metadata"),
            present("temperature"),
            present("top_p"),
            integer("usage.input_tokens"),
            integer("usage.output_tokens"))),
    /** One event of a Responses API stream ({@code response.created} … {@code error}). */
    RESPONSE_STREAM_EVENT(
        OpenApiSchemas.RESPONSE_STREAM_EVENT,
        n -> sdk().treeToValue(n, ResponseStreamEvent.class).validate(),
        List.of(integer("sequence_number"), integer("output_index"))),
    /** The error envelope {@code {"error": {"message", "type", "param", "code"}}}. */
    ERROR(
        OpenApiSchemas.ERROR,
        OpenAiWireFormat::validateErrorEnvelope,
        List.of(present("error.param"), present("error.code")));

    private final String schemaName;
    private final SdkCheck sdkCheck;
    private final List<Rule> rules;

    Body(String schemaName, SdkCheck sdkCheck, List<Rule> rules) {
      this.schemaName = schemaName;
      this.sdkCheck = sdkCheck;
      this.rules = rules;
    }

    /** The component schema name in the OpenAPI document. */
    public String schemaName() {
      return schemaName;
    }
  }

  /** The line printed once per JVM when no document is given. */
  public static final String SKIPPED_NOTICE =
      "OpenAPI document check skipped: -D"
          + OpenApiSchemas.PATH_PROPERTY
          + "=PATH not given; bodies are checked with the openai-java SDK models only";

  private static final ObjectMapper JSON = new ObjectMapper();

  private OpenAiWireFormat() {}

  /** All problems of {@code json} as {@code body}: SDK layer, then document layer if given. */
  public static List<String> problems(Body body, String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return List.of("not JSON: " + e.getOriginalMessage());
    }
    if (node == null) {
      return List.of("not JSON: empty body");
    }
    return problems(body, node);
  }

  /** All problems of {@code node} as {@code body}; empty when valid. */
  public static List<String> problems(Body body, JsonNode node) {
    List<String> out = new ArrayList<>(sdkProblems(body, node));
    document().ifPresent(d -> out.addAll(d.validate(body.schemaName(), node)));
    return out;
  }

  /** Throws {@link AssertionError} listing the problems when {@code json} is not a valid body. */
  public static void assertValid(Body body, String json) {
    List<String> problems = problems(body, json);
    if (!problems.isEmpty()) {
      throw new AssertionError(body + " violations " + problems + " in " + json);
    }
  }

  /**
   * Framing problems of a chat stream plus the problems of each chunk, prefixed with the chunk
   * index; empty when the stream is complete and every chunk is valid.
   */
  public static List<String> chatStreamProblems(String sseBody) {
    ChatStreamTranscript transcript = ChatStreamTranscript.of(sseBody);
    List<String> problems = new ArrayList<>(transcript.problems());
    List<JsonNode> chunks = transcript.chunks();
    for (int i = 0; i < chunks.size(); i++) {
      for (String p : problems(Body.CHAT_COMPLETION_CHUNK, chunks.get(i))) {
        problems.add("chunk " + i + ": " + p);
      }
    }
    return problems;
  }

  /**
   * Problems of a Responses API stream: each event valid ({@link Body#RESPONSE_STREAM_EVENT}, its
   * {@code event:} name equal to its {@code type}), sequence numbers 0, 1, 2, …, every item opened
   * ({@code output_item.added}) before its deltas and done before the end, output indexes in order,
   * and exactly one terminal event last: {@code response.completed}/{@code incomplete} (its
   * Response valid and carrying usage) or {@code error}/{@code response.failed}. Empty when valid.
   */
  public static List<String> responsesStreamProblems(String sseBody) {
    List<String> problems = new ArrayList<>();
    List<SseEvent> events = SseParser.parseAll(sseBody);
    if (events.isEmpty()) {
      problems.add("no events");
      return problems;
    }
    java.util.Set<Integer> open = new java.util.HashSet<>();
    java.util.Set<Integer> done = new java.util.HashSet<>();
    int terminal = 0;
    for (int i = 0; i < events.size(); i++) {
      SseEvent sse = events.get(i);
      JsonNode event;
      try {
        event = JSON.readTree(sse.data());
      } catch (JsonProcessingException e) {
        problems.add("event " + i + ": not JSON: " + sse.data());
        continue;
      }
      for (String p : problems(Body.RESPONSE_STREAM_EVENT, event)) {
        problems.add("event " + i + ": " + p);
      }
      String type = event.path("type").asText();
      if (sse.event() != null && !sse.event().equals(type)) {
        problems.add("event " + i + ": named '" + sse.event() + "' but of type '" + type + "'");
      }
      if (event.path("sequence_number").asInt(-1) != i) {
        problems.add("event " + i + ": sequence_number " + event.get("sequence_number"));
      }
      if (terminal > 0) {
        problems.add("event " + i + ": '" + type + "' after the terminal event");
      }
      int index = event.path("output_index").asInt(-1);
      switch (type) {
        case "response.output_item.added" -> {
          if (index != open.size()) {
            problems.add("event " + i + ": item added at output_index " + index);
          }
          open.add(index);
        }
        case "response.output_item.done" -> {
          if (!open.contains(index) || !done.add(index)) {
            problems.add("event " + i + ": item " + index + " done but not open");
          }
        }
        case "response.completed", "response.incomplete" -> {
          terminal++;
          if (!done.equals(open)) {
            problems.add("event " + i + ": the stream ended with items still open");
          }
          JsonNode response = event.path("response");
          for (String p : problems(Body.RESPONSE, response)) {
            problems.add("event " + i + " response: " + p);
          }
          if (!response.path("usage").isObject()) {
            problems.add("event " + i + ": the final response carries no usage");
          }
          if (response.path("output").size() != open.size()) {
            problems.add("event " + i + ": the final output does not list every streamed item");
          }
        }
        case "error", "response.failed" -> terminal++;
        default -> {
          if (index >= 0 && (!open.contains(index) || done.contains(index))) {
            problems.add("event " + i + ": '" + type + "' for item " + index + " not open");
          }
        }
      }
    }
    if (terminal == 0) {
      problems.add("the stream has no terminal event (completed, incomplete, error)");
    }
    return problems;
  }

  /** Problems found by the SDK layer alone (never skipped); empty when valid. */
  public static List<String> sdkProblems(Body body, JsonNode node) {
    List<String> out = new ArrayList<>();
    if (!node.isObject()) {
      out.add("not a JSON object: " + node.getNodeType());
      return out;
    }
    try {
      body.sdkCheck.check(node);
    } catch (Exception e) {
      // OpenAIInvalidDataException for a failed validate(), a Jackson exception for a wrong shape.
      out.add("openai-java " + body + ": " + e.getMessage());
    }
    for (Rule rule : body.rules) {
      rule.check(node, 0, "", out);
    }
    return out;
  }

  /**
   * The document named by {@code -Dswitchboard.openapi}, or empty after printing {@link
   * #SKIPPED_NOTICE} once.
   */
  public static Optional<OpenApiSchemas> document() {
    return DocumentHolder.DOCUMENT;
  }

  private static void validateErrorEnvelope(JsonNode node) throws Exception {
    JsonNode error = node.get("error");
    if (error == null || !error.isObject()) {
      throw new IllegalArgumentException("`error` is not an object");
    }
    sdk().treeToValue(error, ErrorObject.class).validate();
  }

  private static ObjectMapper sdk() {
    return SdkMapper.MAPPER;
  }

  private static Rule present(String path) {
    return new Rule(path.split("\\."), false);
  }

  private static Rule integer(String path) {
    return new Rule(path.split("\\."), true);
  }

  /** Checks one SDK type; the SDK's {@code validate()} methods share no interface. */
  @FunctionalInterface
  private interface SdkCheck {
    void check(JsonNode node) throws Exception;
  }

  /**
   * A key that must be present (even if {@code null}), or must be an integer when present; a path
   * segment ending in {@code []} applies the rest to every array element. Missing parents are the
   * SDK layer's to report.
   */
  private record Rule(String[] segments, boolean integer) {

    void check(JsonNode node, int i, String where, List<String> out) {
      String segment = segments[i];
      boolean each = segment.endsWith("[]");
      String key = each ? segment.substring(0, segment.length() - 2) : segment;
      String here = where.isEmpty() ? key : where + "." + key;
      if (!(node instanceof ObjectNode object)) {
        return;
      }
      if (!object.has(key)) {
        if (!integer && i == segments.length - 1) {
          out.add("`" + here + "` is required (null allowed) but missing");
        }
        return;
      }
      JsonNode value = object.get(key);
      if (i == segments.length - 1) {
        if (integer && !value.isIntegralNumber()) {
          out.add("`" + here + "` must be an integer, received " + value);
        }
        return;
      }
      if (each) {
        for (int k = 0; k < value.size(); k++) {
          check(value.get(k), i + 1, here + "[" + k + "]", out);
        }
      } else {
        check(value, i + 1, here, out);
      }
    }
  }

  /** The SDK's mapper, created on first use so a missing SDK fails only callers that use it. */
  private static final class SdkMapper {
    static final ObjectMapper MAPPER = ObjectMappers.jsonMapper();
  }

  /** Loaded on first use, once per JVM. */
  private static final class DocumentHolder {
    static final Optional<OpenApiSchemas> DOCUMENT = load();

    private static Optional<OpenApiSchemas> load() {
      Optional<OpenApiSchemas> document = OpenApiSchemas.configured();
      System.out.println(
          document.isPresent()
              ? "OpenAPI document check on: " + OpenApiSchemas.locate().orElseThrow()
              : SKIPPED_NOTICE);
      return document;
    }
  }
}
