package dev.switchboard.mock.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.switchboard.mock.sse.ChatStreamTranscript;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JSON against the component schemas of OpenAI's official OpenAPI document; the optional
 * second layer of {@link OpenAiWireFormat}, used when {@code -Dswitchboard.openapi=PATH} names the
 * document (the repository does not contain it, so a plain clone's tests run without it).
 *
 * <p>The YAML is parsed once; component schemas are JSON Schema 2020-12 with {@code $ref:
 * '#/components/schemas/X'} resolved inside the same document. A few remaining OpenAPI 3.0 {@code
 * nullable: true} flags are rewritten into 2020-12 ({@code type: [X, "null"]} or {@code anyOf}),
 * because a 2020-12 validator ignores {@code nullable} and would reject the {@code null}s that
 * OpenAI really sends (e.g. {@code finish_reason: null} in stream chunks). Validators are cached
 * per schema name; instances are thread-safe.
 *
 * <pre>{@code
 * OpenApiSchemas.configured().ifPresent(s -> s.assertValid(OpenApiSchemas.CHAT_COMPLETION, json));
 * }</pre>
 */
public final class OpenApiSchemas {

  /** {@code CreateChatCompletionResponse}. */
  public static final String CHAT_COMPLETION = "CreateChatCompletionResponse";

  /** {@code CreateChatCompletionStreamResponse} (one SSE chunk). */
  public static final String CHAT_COMPLETION_CHUNK = "CreateChatCompletionStreamResponse";

  /** {@code CreateEmbeddingResponse}. */
  public static final String EMBEDDINGS = "CreateEmbeddingResponse";

  /** {@code ListModelsResponse}. */
  public static final String MODELS = "ListModelsResponse";

  /** {@code Model}. */
  public static final String MODEL = "Model";

  /** {@code ErrorResponse} (the {@code {"error": {...}}} envelope). */
  public static final String ERROR = "ErrorResponse";

  /** {@code POST /v1/responses}, not streamed: the Response object. */
  public static final String RESPONSE = "Response";

  /** One event of a Responses API stream. */
  public static final String RESPONSE_STREAM_EVENT = "ResponseStreamEvent";

  /**
   * System property naming the OpenAPI YAML (an absolute path: tests run in each module's folder).
   * Unset or blank: no document check.
   */
  public static final String PATH_PROPERTY = "switchboard.openapi";

  private static final String BASE_URI = "https://switchboard.dev/schemas/openai-openapi.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile Optional<OpenApiSchemas> configured;

  private final JsonNode schemas;
  private final JsonSchemaFactory factory;
  private final SchemaValidatorsConfig config;
  private final Map<String, JsonSchema> cache = new ConcurrentHashMap<>();

  private OpenApiSchemas(JsonNode document) {
    this.schemas = document.path("components").path("schemas");
    if (!schemas.isObject() || schemas.isEmpty()) {
      throw new IllegalArgumentException("document has no components.schemas");
    }
    String json;
    try {
      json = JSON.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    // The whole document is one schema resource, so '#/components/schemas/X' refs resolve in it.
    // OpenAPI adds keywords (openapi, paths, discriminator, x-*) that carry no validation rule;
    // treat them as such instead of warning once per keyword.
    JsonMetaSchema dialect =
        JsonMetaSchema.builder(JsonMetaSchema.getV202012())
            .unknownKeywordFactory((keyword, context) -> new NonValidationKeyword(keyword))
            .build();
    this.factory =
        JsonSchemaFactory.getInstance(
            SpecVersion.VersionFlag.V202012,
            b ->
                b.metaSchema(dialect)
                    .schemaLoaders(loaders -> loaders.schemas(Map.of(BASE_URI, json))));
    this.config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build();
  }

  /**
   * The document named by {@code -D}{@value #PATH_PROPERTY}, loaded once per JVM; empty when the
   * property is unset or blank.
   *
   * @throws IllegalStateException when the property names a file that does not exist (a
   *     misconfigured check must fail, not silently pass)
   */
  public static Optional<OpenApiSchemas> configured() {
    Optional<OpenApiSchemas> c = configured;
    if (c == null) {
      synchronized (OpenApiSchemas.class) {
        c = configured;
        if (c == null) {
          c = locate().map(OpenApiSchemas::load);
          configured = c;
        }
      }
    }
    return c;
  }

  /** Loads and prepares the OpenAPI YAML at {@code yaml}. */
  public static OpenApiSchemas load(Path yaml) {
    try {
      YAMLMapper mapper =
          new YAMLMapper(
              YAMLFactory.builder()
                  // The official document is ~3 MB; SnakeYAML's default code-point limit is lower.
                  .loaderOptions(largeDocumentOptions())
                  .build());
      JsonNode document = mapper.readTree(yaml.toFile());
      rewriteNullable(document);
      applyErrata(document);
      return new OpenApiSchemas(document);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read OpenAPI document " + yaml, e);
    }
  }

  /**
   * The path in {@code -D}{@value #PATH_PROPERTY}, if set. Nothing is searched for: the tests of a
   * clone read nothing outside it unless told to.
   */
  public static Optional<Path> locate() {
    String explicit = System.getProperty(PATH_PROPERTY, "");
    if (explicit.isBlank()) {
      return Optional.empty();
    }
    Path p = Path.of(explicit.strip()).toAbsolutePath();
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(
          "-D" + PATH_PROPERTY + " names " + p + ", which is not a file (give an absolute path)");
    }
    return Optional.of(p);
  }

  /** True when the document defines component schema {@code name}. */
  public boolean hasSchema(String name) {
    return schemas.has(name);
  }

  /** Validation messages for {@code json} against {@code #/components/schemas/<schemaName>}. */
  public List<String> validate(String schemaName, String json) {
    try {
      return validate(schemaName, JSON.readTree(json));
    } catch (JsonProcessingException e) {
      return List.of("not JSON: " + e.getOriginalMessage());
    }
  }

  /** Validation messages for {@code node}; empty when valid. */
  public List<String> validate(String schemaName, JsonNode node) {
    JsonSchema schema = cache.computeIfAbsent(schemaName, this::compile);
    List<String> out = new ArrayList<>();
    for (ValidationMessage m : schema.validate(node)) {
      out.add(m.getMessage());
    }
    return out;
  }

  /** Throws {@link AssertionError} listing the problems when {@code json} is not valid. */
  public void assertValid(String schemaName, String json) {
    List<String> problems = validate(schemaName, json);
    if (!problems.isEmpty()) {
      throw new AssertionError(schemaName + " violations " + problems + " in " + json);
    }
  }

  /**
   * Framing problems of a chat stream plus schema problems of each chunk, prefixed with the chunk
   * index; empty when the stream is complete and every chunk is valid.
   */
  public List<String> validateChatStream(String sseBody) {
    ChatStreamTranscript transcript = ChatStreamTranscript.of(sseBody);
    List<String> problems = new ArrayList<>(transcript.problems());
    List<JsonNode> chunks = transcript.chunks();
    for (int i = 0; i < chunks.size(); i++) {
      for (String p : validate(CHAT_COMPLETION_CHUNK, chunks.get(i))) {
        problems.add("chunk " + i + ": " + p);
      }
    }
    return problems;
  }

  private JsonSchema compile(String name) {
    if (!hasSchema(name)) {
      throw new IllegalArgumentException("no component schema named " + name);
    }
    JsonSchema schema =
        factory.getSchema(SchemaLocation.of(BASE_URI + "#/components/schemas/" + name), config);
    // Resolve every $ref now: a later failure would surface as a confusing validation message.
    schema.initializeValidators();
    return schema;
  }

  private static org.yaml.snakeyaml.LoaderOptions largeDocumentOptions() {
    org.yaml.snakeyaml.LoaderOptions options = new org.yaml.snakeyaml.LoaderOptions();
    options.setCodePointLimit(64 * 1024 * 1024);
    return options;
  }

  /**
   * Corrects what the document gets wrong about OpenAI's real answers, in place. {@code
   * Response.usage} is a plain {@code $ref} to {@code ResponseUsage}, yet the document's own
   * examples of {@code response.created} and {@code response.in_progress} events carry {@code
   * "usage": null}, as OpenAI sends them (a response still in progress has no usage yet); without
   * this, every real Responses stream fails at its first event.
   */
  static void applyErrata(JsonNode document) {
    JsonNode response = document.path("components").path("schemas").path("Response");
    for (JsonNode part : response.path("allOf")) {
      JsonNode usage = part.path("properties").path("usage");
      if (usage.isObject() && usage.has("$ref")) {
        ObjectNode nullableUsage = JsonNodeFactory.instance.objectNode();
        nullableUsage
            .putArray("anyOf")
            .add(usage.deepCopy())
            .add(JsonNodeFactory.instance.objectNode().put("type", "null"));
        ((ObjectNode) part.path("properties")).set("usage", nullableUsage);
      }
    }
  }

  /** Rewrites OpenAPI 3.0 {@code nullable: true} into JSON Schema 2020-12, in place. */
  static void rewriteNullable(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        rewriteNullable(it.next().getValue());
      }
      JsonNode nullable = object.get("nullable");
      if (nullable != null && nullable.isBoolean()) {
        object.remove("nullable");
        if (nullable.booleanValue()) {
          allowNull(object);
        }
      }
    } else if (node instanceof ArrayNode array) {
      array.forEach(OpenApiSchemas::rewriteNullable);
    }
  }

  private static void allowNull(ObjectNode schema) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    JsonNode type = schema.get("type");
    if (type != null && type.isTextual()) {
      schema.set("type", f.arrayNode().add(type.asText()).add("null"));
    } else if (type != null && type.isArray()) {
      ((ArrayNode) type).add("null");
    }
    JsonNode enumValues = schema.get("enum");
    if (enumValues instanceof ArrayNode values) {
      values.addNull();
    }
    if (schema.has("$ref")) {
      // A $ref sibling keyword cannot widen the referenced schema; wrap it in anyOf instead.
      ObjectNode ref = f.objectNode().set("$ref", schema.remove("$ref"));
      schema.set("anyOf", f.arrayNode().add(ref).add(f.objectNode().put("type", "null")));
    } else if (type == null && (schema.has("anyOf") || schema.has("oneOf"))) {
      ((ArrayNode) schema.get(schema.has("anyOf") ? "anyOf" : "oneOf"))
          .add(f.objectNode().put("type", "null"));
    }
  }
}
