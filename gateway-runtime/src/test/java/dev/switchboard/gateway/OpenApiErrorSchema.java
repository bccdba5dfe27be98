package dev.switchboard.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Validates error bodies against {@code ErrorResponse} of OpenAI's official OpenAPI document
 * ({@code shared/openai-openapi/openapi.yaml}, found from the working directory upwards).
 */
public final class OpenApiErrorSchema {

  private static JsonSchema schema;

  private OpenApiErrorSchema() {}

  /** Problems of {@code json} against ErrorResponse; empty when valid. */
  public static synchronized List<String> problems(String json) {
    try {
      if (schema == null) {
        schema = load();
      }
      JsonNode node = new ObjectMapper().readTree(json);
      return schema.validate(node).stream().map(ValidationMessage::getMessage).toList();
    } catch (IOException e) {
      return List.of("not JSON: " + e.getMessage());
    }
  }

  private static JsonSchema load() throws IOException {
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(locate().toFile());
    JsonNode schemas = doc.path("components").path("schemas");
    ObjectNode errorResponse = (ObjectNode) schemas.path("ErrorResponse").deepCopy();
    // Inline the one $ref so the schema stands alone.
    ((ObjectNode) errorResponse.path("properties")).set("error", schemas.path("Error").deepCopy());
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(errorResponse);
  }

  private static Path locate() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("shared/openai-openapi/openapi.yaml");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    throw new UncheckedIOException(new IOException("shared/openai-openapi/openapi.yaml not found"));
  }
}
