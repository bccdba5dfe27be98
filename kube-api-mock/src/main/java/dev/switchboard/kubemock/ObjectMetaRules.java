package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an API server checks in every object's {@code metadata} (ObjectMeta) and the Fabric8 store
 * does not, in the API server's words ({@code apimachinery}'s {@code ValidateObjectMeta} and {@code
 * util/validation}), so that nothing written here is refused by a cluster:
 *
 * <ul>
 *   <li>fields ObjectMeta does not declare (also in {@code ownerReferences} and {@code
 *       managedFields} entries) are dropped and reported like a schema's unknown fields ({@code
 *       fieldValidation}: Warn, Strict, Ignore);
 *   <li>{@code metadata.name}: a DNS subdomain (at most 253 characters), for every kind but those
 *       whose name Kubernetes requires to be a DNS label (Namespace: RFC 1123, Service: RFC 1035,
 *       at most 63); {@code metadata.namespace}: a DNS label;
 *   <li>label keys and annotation keys: qualified names (an optional DNS subdomain prefix and
 *       {@code /}, a name part of at most 63 characters); label values: at most 63 characters of
 *       the label syntax; annotations: at most 256 KiB, keys and values together;
 *   <li>owner references: a version, kind, name and uid each, at most one controller; finalizers:
 *       qualified names.
 * </ul>
 *
 * A violation is answered 422 {@code Invalid} with one cause per error, as the API server answers.
 */
final class ObjectMetaRules {

  /** {@code TotalAnnotationSizeLimitB}. */
  static final int ANNOTATIONS_LIMIT_BYTES = 256 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> OBJECT_META =
      Set.of(
          "name",
          "generateName",
          "namespace",
          "selfLink",
          "uid",
          "resourceVersion",
          "generation",
          "creationTimestamp",
          "deletionTimestamp",
          "deletionGracePeriodSeconds",
          "labels",
          "annotations",
          "ownerReferences",
          "finalizers",
          "managedFields");
  private static final Set<String> OWNER_REFERENCE =
      Set.of("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion");
  private static final Set<String> MANAGED_FIELDS_ENTRY =
      Set.of("manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1", "subresource");

  /** Kinds (by {@code apiVersion kind}) whose name must be a DNS label, and which one. */
  private static final Map<String, Syntax> LABEL_NAMED =
      Map.of("v1 Namespace", Syntax.DNS1123_LABEL, "v1 Service", Syntax.DNS1035_LABEL);

  private static final String QUALIFIED_NAME_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final Pattern QUALIFIED_NAME = Pattern.compile(QUALIFIED_NAME_FORMAT);
  private static final String QUALIFIED_NAME_MESSAGE =
      regexError(
          "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an"
              + " alphanumeric character",
          QUALIFIED_NAME_FORMAT,
          "MyName",
          "my.name",
          "123-abc");
  private static final String LABEL_VALUE_FORMAT = "(" + QUALIFIED_NAME_FORMAT + ")?";
  private static final Pattern LABEL_VALUE = Pattern.compile(LABEL_VALUE_FORMAT);
  private static final String LABEL_VALUE_MESSAGE =
      regexError(
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or"
              + " '.', and must start and end with an alphanumeric character",
          LABEL_VALUE_FORMAT,
          "MyValue",
          "my_value",
          "12345");

  private ObjectMetaRules() {}

  /** The name syntaxes of {@code util/validation}. */
  enum Syntax {
    DNS1123_SUBDOMAIN(
        253,
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
            + " '.', and must start and end with an alphanumeric character",
        "example.com"),
    DNS1123_LABEL(
        63,
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?",
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and"
            + " must start and end with an alphanumeric character",
        "my-name",
        "123-abc"),
    DNS1035_LABEL(
        63,
        "[a-z]([-a-z0-9]*[a-z0-9])?",
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an"
            + " alphabetic character, and end with an alphanumeric character",
        "my-name",
        "abc-123");

    private final int maxLength;
    private final Pattern pattern;
    private final String message;

    Syntax(int maxLength, String format, String message, String... examples) {
      this.maxLength = maxLength;
      this.pattern = Pattern.compile(format);
      this.message = regexError(message, format, examples);
    }

    /** The API server's messages for {@code value}, none when it is valid. */
    List<String> errors(String value) {
      List<String> errors = new ArrayList<>(0);
      if (value.length() > maxLength) {
        errors.add(maxLengthError(maxLength));
      }
      if (!pattern.matcher(value).matches()) {
        errors.add(message);
      }
      return errors;
    }
  }

  /** One error of a 422: the field, the cause's reason and its message ({@code ErrorBody}). */
  record Cause(String field, String reason, String message) {

    static Cause invalid(String field, String value, String detail) {
      return new Cause(
          field, "FieldValueInvalid", "Invalid value: " + quoted(value) + ": " + detail);
    }

    /** {@code ValidateImmutableField}'s error. */
    static Cause immutable(String field, String value) {
      return invalid(field, value, "field is immutable");
    }

    /** The error of a ConfigMap's or Secret's field once {@code immutable} is set. */
    static Cause immutableWhenSet(String field) {
      return new Cause(
          field, "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set");
    }

    static Cause tooLong(String field, int limit) {
      return new Cause(
          field, "FieldValueTooLong", "Too long: must have at most " + limit + " bytes");
    }
  }

  /**
   * Drops the fields ObjectMeta does not declare from {@code object}'s metadata.
   *
   * @return their paths ({@code metadata.foo}, {@code metadata.ownerReferences[0].bar}), sorted
   */
  static List<String> pruneUnknownFields(ObjectNode object) {
    if (!(object.get("metadata") instanceof ObjectNode metadata)) {
      return List.of();
    }
    List<String> unknown = new ArrayList<>(0);
    prune(metadata, OBJECT_META, "metadata", unknown);
    pruneItems(
        metadata.get("ownerReferences"), OWNER_REFERENCE, "metadata.ownerReferences", unknown);
    pruneItems(
        metadata.get("managedFields"), MANAGED_FIELDS_ENTRY, "metadata.managedFields", unknown);
    unknown.sort(null);
    return unknown;
  }

  private static void pruneItems(
      JsonNode array, Set<String> known, String path, List<String> unknown) {
    if (array instanceof ArrayNode items) {
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i) instanceof ObjectNode item) {
          prune(item, known, path + "[" + i + "]", unknown);
        }
      }
    }
  }

  private static void prune(ObjectNode node, Set<String> known, String path, List<String> unknown) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        unknown.add(path + "." + name);
        names.remove();
      }
    }
  }

  /**
   * The errors of an update of {@code current} to {@code updated} that the API server refuses
   * whatever the new object holds (apiserver's {@code rest.BeforeUpdate}): a changed {@code
   * metadata.uid} ({@code ValidateObjectMetaUpdate}; an absent one is taken from the stored object,
   * as is the {@code creationTimestamp}, whose changes are ignored), and, for a ConfigMap or Secret
   * stored with {@code immutable: true}, any change of its data or of {@code immutable} itself
   * ({@code ValidateConfigMapUpdate}, {@code ValidateSecretUpdate}; a Secret's {@code type} never
   * changes). Empty when the update is allowed.
   */
  static List<Cause> updateErrors(JsonNode current, JsonNode updated) {
    List<Cause> causes = new ArrayList<>(0);
    String uid = updated.path("metadata").path("uid").asText("");
    String currentUid = current.path("metadata").path("uid").asText("");
    if (!uid.isEmpty() && !uid.equals(currentUid)) {
      causes.add(Cause.immutable("metadata.uid", uid));
    }
    String kind = current.path("kind").asText();
    if (!"v1".equals(current.path("apiVersion").asText())
        || !(kind.equals("ConfigMap") || kind.equals("Secret"))) {
      return causes;
    }
    if (kind.equals("Secret")) {
      String type = updated.path("type").asText("Opaque");
      if (!type.equals(current.path("type").asText("Opaque"))) {
        causes.add(Cause.immutable("type", type));
      }
    }
    if (current.path("immutable").asBoolean(false)) {
      if (!updated.path("immutable").asBoolean(false)) {
        causes.add(Cause.immutableWhenSet("immutable"));
      }
      List<String> data = kind.equals("Secret") ? List.of("data") : List.of("data", "binaryData");
      for (String field : data) {
        if (!emptyIfAbsent(current.get(field)).equals(emptyIfAbsent(updated.get(field)))) {
          causes.add(Cause.immutableWhenSet(field));
        }
      }
    }
    return causes;
  }

  private static JsonNode emptyIfAbsent(JsonNode map) {
    return map == null || map.isNull() ? JSON.createObjectNode() : map;
  }

  /** The errors of {@code object}'s metadata, in the API server's order; empty when valid. */
  static List<Cause> validate(ObjectNode object) {
    JsonNode metadata = object.path("metadata");
    List<Cause> causes = new ArrayList<>(0);
    String name = metadata.path("name").asText("");
    if (!name.isEmpty()) {
      // An absent name is the store's to refuse ("name or generateName is required").
      Syntax syntax =
          LABEL_NAMED.getOrDefault(
              object.path("apiVersion").asText() + " " + object.path("kind").asText(),
              Syntax.DNS1123_SUBDOMAIN);
      for (String error : syntax.errors(name)) {
        causes.add(Cause.invalid("metadata.name", name, error));
      }
    }
    String namespace = metadata.path("namespace").asText("");
    if (!namespace.isEmpty()) {
      for (String error : Syntax.DNS1123_LABEL.errors(namespace)) {
        causes.add(Cause.invalid("metadata.namespace", namespace, error));
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> labels = metadata.path("labels").fields();
        labels.hasNext(); ) {
      Map.Entry<String, JsonNode> label = labels.next();
      for (String error : qualifiedNameErrors(label.getKey())) {
        causes.add(Cause.invalid("metadata.labels", label.getKey(), error));
      }
      String value = label.getValue().asText("");
      if (value.length() > 63) {
        causes.add(Cause.invalid("metadata.labels", value, maxLengthError(63)));
      }
      if (!LABEL_VALUE.matcher(value).matches()) {
        causes.add(Cause.invalid("metadata.labels", value, LABEL_VALUE_MESSAGE));
      }
    }
    long annotationBytes = 0;
    for (Iterator<Map.Entry<String, JsonNode>> annotations = metadata.path("annotations").fields();
        annotations.hasNext(); ) {
      Map.Entry<String, JsonNode> annotation = annotations.next();
      // A qualified name in which case does not matter.
      for (String error : qualifiedNameErrors(annotation.getKey().toLowerCase(Locale.ROOT))) {
        causes.add(Cause.invalid("metadata.annotations", annotation.getKey(), error));
      }
      annotationBytes += utf8(annotation.getKey()) + utf8(annotation.getValue().asText(""));
    }
    if (annotationBytes > ANNOTATIONS_LIMIT_BYTES) {
      causes.add(Cause.tooLong("metadata.annotations", ANNOTATIONS_LIMIT_BYTES));
    }
    ownerReferences(metadata.path("ownerReferences"), causes);
    for (JsonNode finalizer : metadata.path("finalizers")) {
      for (String error : qualifiedNameErrors(finalizer.asText(""))) {
        causes.add(Cause.invalid("metadata.finalizers", finalizer.asText(""), error));
      }
    }
    return causes;
  }

  /**
   * {@code ValidateOwnerReferences}: each names a version, kind, name and uid; at most one is the
   * controller. (The API server names the fields without the item's index.)
   */
  private static void ownerReferences(JsonNode references, List<Cause> causes) {
    String path = "metadata.ownerReferences";
    String controller = null;
    for (JsonNode reference : references) {
      String apiVersion = reference.path("apiVersion").asText("");
      if (apiVersion.isEmpty() || apiVersion.endsWith("/")) {
        causes.add(Cause.invalid(path + ".apiVersion", apiVersion, "version must not be empty"));
      }
      for (String field : List.of("kind", "name", "uid")) {
        String value = reference.path(field).asText("");
        if (value.isEmpty()) {
          causes.add(Cause.invalid(path + "." + field, value, "must not be empty"));
        }
      }
      if (reference.path("controller").asBoolean(false)) {
        String current =
            reference.path("kind").asText("") + "/" + reference.path("name").asText("");
        if (controller == null) {
          controller = current;
        } else {
          // The API server prints the whole list as the value (in Go's syntax; here as JSON).
          causes.add(
              new Cause(
                  path,
                  "FieldValueInvalid",
                  "Invalid value: "
                      + references
                      + ": Only one reference can have Controller set to true. Found \"true\" in"
                      + " references for "
                      + controller
                      + " and "
                      + current));
        }
      }
    }
  }

  /** {@code IsQualifiedName}: {@code [prefix/]name}, the prefix a DNS subdomain. */
  private static List<String> qualifiedNameErrors(String value) {
    List<String> errors = new ArrayList<>(0);
    String[] parts = value.split("/", -1);
    String name;
    if (parts.length == 1) {
      name = parts[0];
    } else if (parts.length == 2) {
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        errors.add("prefix part must be non-empty");
      } else {
        for (String error : Syntax.DNS1123_SUBDOMAIN.errors(prefix)) {
          errors.add("prefix part " + error);
        }
      }
    } else {
      errors.add(
          "a qualified name "
              + QUALIFIED_NAME_MESSAGE
              + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errors;
    }
    if (name.isEmpty()) {
      errors.add("name part must be non-empty");
    } else if (name.length() > 63) {
      errors.add("name part " + maxLengthError(63));
    }
    if (!QUALIFIED_NAME.matcher(name).matches()) {
      errors.add("name part " + QUALIFIED_NAME_MESSAGE);
    }
    return errors;
  }

  /**
   * The API server's 422 for {@code object}: {@code <Kind>[.<group>] "<name>" is invalid: <field>:
   * <error>} (several in brackets), reason {@code Invalid}, one detail cause per error.
   */
  static MockResponse invalid(ObjectNode object, List<Cause> causes) {
    String kind = object.path("kind").asText();
    String apiVersion = object.path("apiVersion").asText();
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String name = object.path("metadata").path("name").asText("");
    StringBuilder message =
        new StringBuilder()
            .append(group.isEmpty() ? kind : kind + "." + group)
            .append(' ')
            .append(quoted(name))
            .append(" is invalid: ");
    if (causes.size() > 1) {
      message.append('[');
    }
    for (int i = 0; i < causes.size(); i++) {
      Cause cause = causes.get(i);
      message.append(i == 0 ? "" : ", ").append(cause.field()).append(": ").append(cause.message());
    }
    if (causes.size() > 1) {
      message.append(']');
    }
    ObjectNode status = JSON.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    status.put("status", "Failure").put("message", message.toString()).put("reason", "Invalid");
    // StatusDetails' fields are omitempty.
    ObjectNode details = status.putObject("details");
    if (!name.isEmpty()) {
      details.put("name", name);
    }
    if (!group.isEmpty()) {
      details.put("group", group);
    }
    if (!kind.isEmpty()) {
      details.put("kind", kind);
    }
    ArrayNode detailCauses = details.putArray("causes");
    for (Cause cause : causes) {
      detailCauses
          .addObject()
          .put("reason", cause.reason())
          .put("message", cause.message())
          .put("field", cause.field());
    }
    status.put("code", 422);
    return new MockResponse()
        .setResponseCode(422)
        .setHeader("Content-Type", "application/json")
        .setBody(status.toString());
  }

  private static String maxLengthError(int length) {
    return "must be no more than " + length + " characters";
  }

  /** {@code RegexError}: the message, its examples and the regex, as the API server words it. */
  private static String regexError(String message, String format, String... examples) {
    StringBuilder error = new StringBuilder(message).append(" (e.g. ");
    for (int i = 0; i < examples.length; i++) {
      error.append(i > 0 ? " or " : "").append('\'').append(examples[i]).append("', ");
    }
    return error.append("regex used for validation is '").append(format).append("')").toString();
  }

  /** Go's {@code %q} for these values. */
  private static String quoted(String text) {
    return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private static long utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
