package dev.switchboard.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  private static final Set<String> MANAGED = Set.of("Ready");

  private final Conditions earlier =
      new Conditions(Clock.fixed(Instant.parse("2026-11-01T10:00:00Z"), ZoneOffset.UTC));
  private final Conditions later =
      new Conditions(Clock.fixed(Instant.parse("2026-11-02T10:00:00Z"), ZoneOffset.UTC));

  @Test
  void keepsTransitionTimeWhileStatusStaysTheSame() {
    List<Condition> first =
        earlier.merge(null, MANAGED, List.of(new Conditions.Desired("Ready", false, "A", "a")), 1L);
    List<Condition> second =
        later.merge(first, MANAGED, List.of(new Conditions.Desired("Ready", false, "B", "b")), 2L);

    assertThat(second.get(0).getLastTransitionTime()).isEqualTo("2026-11-01T10:00:00Z");
    assertThat(second.get(0).getReason()).isEqualTo("B");
    assertThat(second.get(0).getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void movesTransitionTimeWhenStatusFlips() {
    List<Condition> first =
        earlier.merge(null, MANAGED, List.of(new Conditions.Desired("Ready", false, "A", "a")), 1L);
    List<Condition> second =
        later.merge(first, MANAGED, List.of(new Conditions.Desired("Ready", true, "Ok", "ok")), 1L);

    assertThat(second.get(0).getStatus()).isEqualTo("True");
    assertThat(second.get(0).getLastTransitionTime()).isEqualTo("2026-11-02T10:00:00Z");
  }

  @Test
  void keepsConditionsOwnedByOthers() {
    Condition healthy =
        new ConditionBuilder().withType("Healthy").withStatus("True").withReason("Probed").build();
    List<Condition> merged =
        later.merge(
            List.of(healthy),
            MANAGED,
            List.of(new Conditions.Desired("Ready", true, "Ok", "")),
            1L);

    assertThat(merged).extracting(Condition::getType).containsExactly("Ready", "Healthy");
  }
}
