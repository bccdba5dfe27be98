package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSONPath subset of printer columns, on a ModelRoute-shaped document. */
class PrinterColumnPathTest {

  private static final JsonNode ROUTE;

  static {
    try {
      ROUTE =
          new ObjectMapper()
              .readTree(
                  """
                  {"metadata": {"name": "chat", "labels": {"app.kubernetes.io/name": "sb"}},
                   "spec": {"model": "chat-default", "targets": [{"model": "a", "priority": 0},
                                                                  {"model": "b", "priority": 1}]},
                   "status": {"canaryWeight": 5, "conditions": [
                     {"type": "Accepted", "status": "True"},
                     {"type": "Ready", "status": "False", "reason": "NoProvider"}]}}
                  """);
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static List<String> eval(String path) {
    return PrinterColumnPath.parse(path).evaluate(ROUTE).stream().map(JsonNode::asText).toList();
  }

  @Test
  void fieldSteps() {
    assertThat(eval(".spec.model")).containsExactly("chat-default");
    assertThat(eval(".status.canaryWeight")).containsExactly("5");
    assertThat(eval("{.spec.model}")).containsExactly("chat-default");
    assertThat(eval("$.spec.model")).containsExactly("chat-default");
    assertThat(eval(".metadata.labels['app.kubernetes.io/name']")).containsExactly("sb");
    assertThat(eval(".spec.missing")).isEmpty();
    assertThat(eval(".spec.model.deeper")).isEmpty();
  }

  @Test
  void indexesAndWildcards() {
    assertThat(eval(".spec.targets[0].model")).containsExactly("a");
    assertThat(eval(".spec.targets[-1].model")).containsExactly("b");
    assertThat(eval(".spec.targets[2].model")).isEmpty();
    assertThat(eval(".spec.targets[*].model")).containsExactly("a", "b");
    assertThat(eval(".spec.targets.*.priority")).containsExactly("0", "1");
  }

  @Test
  void equalityFilters() {
    assertThat(eval(".status.conditions[?(@.type==\"Ready\")].status")).containsExactly("False");
    assertThat(eval(".status.conditions[?(@.type=='Ready')].reason")).containsExactly("NoProvider");
    assertThat(eval(".status.conditions[?(@.type != \"Ready\")].type")).containsExactly("Accepted");
    assertThat(eval(".spec.targets[?(@.priority==1)].model")).containsExactly("b");
    assertThat(eval(".status.conditions[?(@.reason)].type")).containsExactly("Ready");
    assertThat(eval(".status.conditions[?(@.type==\"Healthy\")].status")).isEmpty();
  }

  @Test
  void expressionsOutsideTheSubsetAreRefusedWithTheReason() {
    assertThatThrownBy(() -> PrinterColumnPath.parse(".status.conditions[?(@.type=~/R.*/)]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only == and != filters");
    assertThatThrownBy(() -> PrinterColumnPath.parse(".spec.targets[0:2]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected ']'");
    assertThatThrownBy(() -> PrinterColumnPath.parse("spec.model"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unexpected 's'");
  }
}
