package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.temporal.ChronoUnit;

/**
 * The status an API server gives a CustomResourceDefinition moments after it is written, when its
 * names do not conflict: {@code NamesAccepted} and {@code Established} True, {@code acceptedNames}
 * = {@code spec.names}, the storage version in {@code storedVersions}. Clients wait for {@code
 * Established} before they use a new kind (Helm does, for the CRDs of a chart).
 */
final class CrdStatus {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private CrdStatus() {}

  /**
   * Sets the accepted status on {@code crd} in place; a condition that is True already keeps its
   * {@code lastTransitionTime}.
   *
   * @return whether the status changed
   */
  static boolean establish(ObjectNode crd, Clock clock) {
    JsonNode before = crd.get("status");
    ObjectNode status =
        before instanceof ObjectNode existing ? existing.deepCopy() : NODES.objectNode();
    JsonNode names = crd.path("spec").path("names");
    status.set("acceptedNames", names.isObject() ? names.deepCopy() : NODES.objectNode());
    ArrayNode conditions =
        status.get("conditions") instanceof ArrayNode existing ? existing : NODES.arrayNode();
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    setTrue(conditions, "NamesAccepted", "NoConflicts", "no conflicts found", now);
    setTrue(
        conditions,
        "Established",
        "InitialNamesAccepted",
        "the initial names have been accepted",
        now);
    status.set("conditions", conditions);
    ArrayNode storedVersions =
        status.get("storedVersions") instanceof ArrayNode existing ? existing : NODES.arrayNode();
    for (JsonNode version : crd.path("spec").path("versions")) {
      String name = version.path("name").asText();
      if (version.path("storage").asBoolean(false) && !contains(storedVersions, name)) {
        storedVersions.add(name);
      }
    }
    status.set("storedVersions", storedVersions);
    if (status.equals(before)) {
      return false;
    }
    crd.set("status", status);
    return true;
  }

  private static void setTrue(
      ArrayNode conditions, String type, String reason, String message, String now) {
    int index = -1;
    for (int i = 0; i < conditions.size(); i++) {
      if (type.equals(conditions.get(i).path("type").asText())) {
        index = i;
        break;
      }
    }
    JsonNode existing = index < 0 ? null : conditions.get(index);
    String since =
        existing != null && "True".equals(existing.path("status").asText())
            ? existing.path("lastTransitionTime").asText(now)
            : now;
    ObjectNode condition =
        NODES
            .objectNode()
            .put("type", type)
            .put("status", "True")
            .put("lastTransitionTime", since)
            .put("reason", reason)
            .put("message", message);
    if (index < 0) {
      conditions.add(condition);
    } else {
      conditions.set(index, condition);
    }
  }

  private static boolean contains(ArrayNode values, String value) {
    for (JsonNode v : values) {
      if (value.equals(v.asText())) {
        return true;
      }
    }
    return false;
  }
}
