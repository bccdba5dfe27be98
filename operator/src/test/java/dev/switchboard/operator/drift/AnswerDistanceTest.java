package dev.switchboard.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerDistanceTest {

  @Test
  void equalAnswersAreAtDistanceZeroAndDisjointOnesAtOne() {
    assertThat(AnswerDistance.normalized("The answer is 4.", "The answer is 4.")).isZero();
    assertThat(AnswerDistance.normalized("", "")).isZero();
    assertThat(AnswerDistance.normalized("abc", "xyz")).isEqualTo(1.0);
    assertThat(AnswerDistance.normalized("", "abcd")).isEqualTo(1.0);
  }

  @Test
  void theDistanceIsEditsOverTheLongerAnswer() {
    // kitten → sitting: 3 edits, the longer has 7 characters.
    assertThat(AnswerDistance.normalized("kitten", "sitting")).isCloseTo(3 / 7.0, within(1e-12));
    // Symmetric.
    assertThat(AnswerDistance.normalized("sitting", "kitten")).isCloseTo(3 / 7.0, within(1e-12));
    // One changed character in 100.
    String a = "a".repeat(100);
    String b = "a".repeat(99) + "b";
    assertThat(AnswerDistance.normalized(a, b)).isCloseTo(0.01, within(1e-12));
  }

  @Test
  void longAnswersAreComparedOnTheirFirstCharactersOnly() {
    String common = "x".repeat(AnswerDistance.MAX_CHARS);
    assertThat(AnswerDistance.normalized(common + "tail one", common + "another tail")).isZero();
    assertThat(AnswerDistance.cut(null)).isEmpty();
  }

  @Test
  void agreementIsTheShareOfPromptsWhoseSamplesAreAllEqual() {
    assertThat(
            AnswerDistance.agreement(
                List.of(
                    List.of("a", "a", "a"),
                    List.of("b", "b", "c"),
                    List.of("d"),
                    List.of("e", "e", "e"))))
        .isEqualTo(0.75);
    assertThat(AnswerDistance.agreement(List.of())).isEqualTo(1.0);
    assertThat(AnswerDistance.allEqual(List.of("x", "y"))).isFalse();
  }
}
