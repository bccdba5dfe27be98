package dev.switchboard.mock.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FaultRulesTest {

  private final FaultRules rules = new FaultRules();

  @Test
  void limitedRulesCountDownThenFallThrough() {
    rules.add("m", "status:500", 2).add("m", "status:429", 1);

    assertThat(rules.next("m")).map(FaultSpec::status).hasValue(500);
    assertThat(rules.next("m")).map(FaultSpec::status).hasValue(500);
    assertThat(rules.next("m")).map(FaultSpec::status).hasValue(429);
    assertThat(rules.next("m")).isEmpty();
    assertThat(rules.list()).isEmpty();
  }

  @Test
  void unlimitedRulesStay() {
    rules.set("m", "stall");

    for (int i = 0; i < 5; i++) {
      assertThat(rules.next("m")).map(FaultSpec::stall).hasValue(true);
    }
    assertThat(rules.list()).singleElement().extracting(FaultRules.Rule::remaining).isEqualTo(-1);
  }

  @Test
  void setReplacesQueuedRules() {
    rules.add("m", "status:500", 3).set("m", "status:503");

    assertThat(rules.next("m")).map(FaultSpec::status).hasValue(503);
    assertThat(rules.list()).hasSize(1);
  }

  @Test
  void wildcardAppliesOnlyWithoutOwnRules() {
    rules.set(FaultRules.ANY_MODEL, "status:503").add("m", "status:429", 1);

    assertThat(rules.next("m")).map(FaultSpec::status).hasValue(429);
    assertThat(rules.next("m")).map(FaultSpec::status).hasValue(503);
    assertThat(rules.next("other")).map(FaultSpec::status).hasValue(503);
  }

  @Test
  void clearRemovesRules() {
    rules.set("a", "stall").set("b", "stall");

    rules.clear("a");
    assertThat(rules.next("a")).isEmpty();
    assertThat(rules.next("b")).isPresent();
    rules.clearAll();
    assertThat(rules.next("b")).isEmpty();
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> rules.add("m", "stall", 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> rules.add(" ", "stall", 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> rules.add("m", "nonsense", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
