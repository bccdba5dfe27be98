package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The evaluation opt-out as a real cluster allows it: a Consumer's label keys must match the
 * Consumer CRD's rule, so the default opt-out label has to be one such a key can match.
 */
class EvaluationOptOutTest {

  @Test
  void aConsumerCarryingTheDefaultLabelIsNeverMirrored() {
    String label = RoutingTable.Evaluation.DEFAULT_NO_MIRROR_LABEL;
    String name = label.substring(0, label.indexOf('='));
    String value = label.substring(label.indexOf('=') + 1);
    // The only labels a Consumer can carry: keys the CRD's rule admits.
    assertThat(name).matches(ConsumerTable.LABEL_KEY_PATTERN);
    Map<String, String> consumerLabels = Map.of(name, value, "team", "search");

    assertThat(EvaluationStage.optedOut(consumerLabels, label)).isTrue();
    assertThat(EvaluationStage.optedOut(Map.of(name, "opt-in"), label)).isFalse();
    assertThat(EvaluationStage.optedOut(Map.of("team", "search"), label)).isFalse();
    // A label given by name alone opts out whatever its value.
    assertThat(EvaluationStage.optedOut(Map.of(name, "anything"), name)).isTrue();
  }
}
