package dev.switchboard.kubemock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds the {@code meta.k8s.io} {@code Table} that {@code kubectl get} asks for, from a custom
 * resource version's {@code additionalPrinterColumns}, the way the API server's CRD table convertor
 * does: a {@code Name} column first, then the CRD's columns ({@code Age} from {@code
 * .metadata.creationTimestamp} when the CRD declares none); cells typed by the column's type,
 * {@code date} cells as a human age ({@code 5m}, {@code 3h2m}) relative to the clock.
 */
final class CustomResourceTables {

  /** The {@code includeObject} query values: what each row's {@code object} holds. */
  static final String NONE = "None";

  static final String METADATA = "Metadata";
  static final String OBJECT = "Object";

  private static final String NAME_DESCRIPTION =
      "Name must be unique within a namespace. Is required when creating resources, although some"
          + " resources may allow a client to request the generation of an appropriate name"
          + " automatically. Name is primarily intended for creation idempotence and configuration"
          + " definition. Cannot be updated. More info:"
          + " https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Clock clock;

  CustomResourceTables(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param tableVersion {@code v1} or {@code v1beta1} of {@code meta.k8s.io}
   * @param columns the CRD version's {@code additionalPrinterColumns} (may be null or empty)
   * @param listOrObject the list the store answered for a list request, or the single object
   * @param includeObject {@link #NONE}, {@link #METADATA} (also when null) or {@link #OBJECT}
   */
  ObjectNode table(
      String tableVersion,
      List<CustomResourceColumnDefinition> columns,
      JsonNode listOrObject,
      String includeObject) {
    List<CustomResourceColumnDefinition> effective =
        columns == null || columns.isEmpty() ? List.of(defaultAgeColumn()) : columns;
    List<PrinterColumnPath> paths = new ArrayList<>();
    for (CustomResourceColumnDefinition column : effective) {
      PrinterColumnPath path;
      try {
        path = PrinterColumnPath.parse(column.getJsonPath());
      } catch (IllegalArgumentException | NullPointerException e) {
        // The API server refuses such a CRD; here the column stays empty rather than the request.
        path = null;
      }
      paths.add(path);
    }

    ObjectNode table = NODES.objectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/" + tableVersion);
    ObjectNode metadata = table.putObject("metadata");
    JsonNode sourceMetadata = listOrObject.path("metadata");
    copyText(sourceMetadata, metadata, "resourceVersion");
    copyText(sourceMetadata, metadata, "continue");

    ArrayNode definitions = table.putArray("columnDefinitions");
    definitions.add(definition("Name", "string", "name", NAME_DESCRIPTION, 0));
    for (CustomResourceColumnDefinition column : effective) {
      String description =
          column.getDescription() == null || column.getDescription().isEmpty()
              ? "Custom resource definition column (in JSONPath format): " + column.getJsonPath()
              : column.getDescription();
      definitions.add(
          definition(
              column.getName(),
              column.getType(),
              column.getFormat() == null ? "" : column.getFormat(),
              description,
              column.getPriority() == null ? 0 : column.getPriority()));
    }

    ArrayNode rows = table.putArray("rows");
    List<JsonNode> objects = new ArrayList<>();
    if (listOrObject.has("items")) {
      listOrObject.path("items").forEach(objects::add);
    } else {
      objects.add(listOrObject);
    }
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(object.path("metadata").path("name").asText(""));
      for (int i = 0; i < effective.size(); i++) {
        PrinterColumnPath path = paths.get(i);
        List<JsonNode> found = path == null ? List.of() : path.evaluate(object);
        cells.add(
            found.isEmpty()
                ? NullNode.getInstance()
                : cell(effective.get(i).getType(), found.get(0)));
      }
      rowObject(object, includeObject, tableVersion).ifPresent(o -> row.set("object", o));
    }
    return table;
  }

  private static Optional<JsonNode> rowObject(
      JsonNode object, String includeObject, String tableVersion) {
    if (NONE.equals(includeObject)) {
      return Optional.empty();
    }
    if (OBJECT.equals(includeObject)) {
      return Optional.of(object);
    }
    ObjectNode partial = NODES.objectNode();
    partial.put("kind", "PartialObjectMetadata");
    partial.put("apiVersion", "meta.k8s.io/" + tableVersion);
    partial.set("metadata", object.path("metadata").deepCopy());
    return Optional.of(partial);
  }

  /** A cell as the API server types it; null when the value does not fit the column's type. */
  JsonNode cell(String type, JsonNode value) {
    if (value == null || value.isNull()) {
      return NullNode.getInstance();
    }
    switch (type == null ? "string" : type) {
      case "integer":
        if (value.isNumber()) {
          return NODES.numberNode(value.longValue());
        }
        if (value.isTextual()) {
          try {
            return NODES.numberNode(Long.parseLong(value.asText()));
          } catch (NumberFormatException e) {
            return NullNode.getInstance();
          }
        }
        return NullNode.getInstance();
      case "number":
        return value.isNumber() ? NODES.numberNode(value.doubleValue()) : NullNode.getInstance();
      case "boolean":
        return value.isBoolean() ? value : NullNode.getInstance();
      case "date":
        return value.isTextual() ? NODES.textNode(age(value.asText())) : NullNode.getInstance();
      default:
        // "string" columns print whatever the path found, as kubectl's JSONPath printer would.
        if (value.isValueNode()) {
          return NODES.textNode(value.asText());
        }
        try {
          return NODES.textNode(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
          return NullNode.getInstance();
        }
    }
  }

  private String age(String timestamp) {
    Instant then;
    try {
      then = OffsetDateTime.parse(timestamp).toInstant();
    } catch (DateTimeParseException e) {
      return "<invalid>";
    }
    return humanDuration(Duration.between(then, clock.instant()));
  }

  /** Kubernetes' {@code duration.HumanDuration}: the age format of {@code kubectl get}. */
  static String humanDuration(Duration d) {
    // Go truncates toward zero: -1.5s is "0s", not "<invalid>".
    long seconds = d.toMillis() / 1000;
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long days = (hours / 24) % 365;
      return days == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + days + "d";
    }
    return hours / 24 / 365 + "y";
  }

  private static CustomResourceColumnDefinition defaultAgeColumn() {
    CustomResourceColumnDefinition age = new CustomResourceColumnDefinition();
    age.setName("Age");
    age.setType("date");
    age.setJsonPath(".metadata.creationTimestamp");
    return age;
  }

  private static ObjectNode definition(
      String name, String type, String format, String description, int priority) {
    ObjectNode definition = NODES.objectNode();
    definition.put("name", name);
    definition.put("type", type);
    definition.put("format", format);
    definition.put("description", description);
    definition.put("priority", priority);
    return definition;
  }

  private static void copyText(JsonNode from, ObjectNode to, String field) {
    JsonNode value = from.get(field);
    if (value != null && value.isTextual() && !value.asText().isEmpty()) {
      to.put(field, value.asText());
    }
  }
}
