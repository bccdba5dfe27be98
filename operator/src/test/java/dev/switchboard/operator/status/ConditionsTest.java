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

  @Test
  void summaryKeepsEveryProblemWhenTheyFit() {
    assertThat(Conditions.summary(List.of("a is wrong", "b is wrong"), "; ", " Fix it."))
        .isEqualTo("a is wrong; b is wrong Fix it.");
  }

  @Test
  void summaryOfManyProblemsIsTheFirstOnesAndACountWithinTheLimit() {
    List<String> problems =
        java.util.stream.IntStream.range(0, 1000)
            .mapToObj(i -> "target " + i + " refers to a provider that does not exist.")
            .toList();

    String summary = Conditions.summary(problems, " ", " The route is not served.");

    assertThat(bytes(summary)).isLessThanOrEqualTo(Conditions.MAX_MESSAGE_BYTES);
    assertThat(summary).startsWith("target 0 refers").endsWith(" The route is not served.");
    long shown = problems.stream().filter(summary::contains).count();
    assertThat(shown).isBetween(10L, 999L);
    assertThat(summary).contains("… and " + (1000 - shown) + " more problems.");
  }

  @Test
  void aSingleHugeProblemIsCutAtACharacterBoundary() {
    String huge = "ü".repeat(5000);

    String summary = Conditions.summary(List.of(huge, "second"), "; ", "");

    assertThat(bytes(summary)).isLessThanOrEqualTo(Conditions.MAX_MESSAGE_BYTES);
    assertThat(summary).startsWith("üü").contains("…; … and 1 more problem.");
    assertThat(summary.substring(0, summary.indexOf('…'))).matches("ü+");
  }

  @Test
  void mergeCapsEveryMessage() {
    List<Condition> merged =
        earlier.merge(
            null,
            MANAGED,
            List.of(new Conditions.Desired("Ready", false, "A", "x".repeat(40_000))),
            1L);

    assertThat(bytes(merged.get(0).getMessage())).isEqualTo(Conditions.MAX_MESSAGE_BYTES);
    assertThat(merged.get(0).getMessage()).endsWith("…");
  }

  private static int bytes(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
