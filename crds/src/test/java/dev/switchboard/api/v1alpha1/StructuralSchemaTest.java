package dev.switchboard.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rules a real API server applies when the CRD itself is created, checked here because no API
 * server is available: the schema is structural, and every default is valid (after nested defaults
 * are applied) against its own schema and CEL rules.
 */
class StructuralSchemaTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(strings = {"providerendpoints", "routingpolicies", "modelroutes"})
  void everyNodeHasAType(String plural) {
    List<String> untyped = new ArrayList<>();
    visit(
        GeneratedCrds.schema(plural),
        "",
        (path, node) -> {
          if (node.getType() == null || node.getType().isBlank()) {
            untyped.add(path);
          }
        });
    assertThat(untyped).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"providerendpoints", "routingpolicies", "modelroutes"})
  void everyDefaultSatisfiesItsSchemaAndRules(String plural) {
    List<String> problems = new ArrayList<>();
    int[] defaults = {0};
    visit(
        GeneratedCrds.schema(plural),
        "",
        (path, node) -> {
          if (node.getDefault() == null) {
            return;
          }
          defaults[0]++;
          JsonNode value = withNestedDefaults(node.getDefault().deepCopy(), node);
          Set<ValidationMessage> messages =
              JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
                  .getSchema(JSON.valueToTree(node))
                  .validate(value);
          messages.forEach(m -> problems.add(path + ": " + m.getMessage()));
          for (CelRules.Rule rule : CelRules.at(plural, path)) {
            if (!CelRules.holds(rule, CelRules.toCel(value))) {
              problems.add(path + ": default " + value + " violates " + rule.message());
            }
          }
        });
    assertThat(defaults[0]).isPositive();
    assertThat(problems).isEmpty();
  }

  /** What the API server stores for a defaulted object: its properties' defaults filled in. */
  private static JsonNode withNestedDefaults(JsonNode value, JSONSchemaProps schema) {
    if (value instanceof ObjectNode object && schema.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
        JsonNode present = object.get(property.getKey());
        if (present == null && property.getValue().getDefault() != null) {
          present = property.getValue().getDefault().deepCopy();
          object.set(property.getKey(), present);
        }
        if (present != null) {
          withNestedDefaults(present, property.getValue());
        }
      }
    }
    return value;
  }

  private interface Visitor {
    void accept(String path, JSONSchemaProps node);
  }

  private static void visit(JSONSchemaProps node, String path, Visitor visitor) {
    if (!path.isEmpty()) {
      visitor.accept(path, node);
    }
    if (node.getProperties() != null) {
      node.getProperties()
          .forEach(
              (name, child) -> visit(child, path.isEmpty() ? name : path + "." + name, visitor));
    }
    if (node.getItems() != null && node.getItems().getSchema() != null) {
      visit(node.getItems().getSchema(), path + "[]", visitor);
    }
    if (node.getAdditionalProperties() != null
        && node.getAdditionalProperties().getSchema() != null) {
      visit(node.getAdditionalProperties().getSchema(), path + "{}", visitor);
    }
  }
}
