package dev.switchboard.operator.providerendpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.ModelStatus;
import dev.switchboard.api.v1alpha1.ProviderModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPhasesTest {

  private static ProviderModel model(String name, String deprecatedAfter, String retiredAfter) {
    ProviderModel model = new ProviderModel();
    model.setName(name);
    if (deprecatedAfter != null || retiredAfter != null) {
      ModelLifecycle lifecycle = new ModelLifecycle();
      lifecycle.setDeprecatedAfter(deprecatedAfter);
      lifecycle.setRetiredAfter(retiredAfter);
      model.setLifecycle(lifecycle);
    }
    return model;
  }

  private static ModelPhases at(String instant) {
    return new ModelPhases(Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
  }

  private final List<ProviderModel> models =
      List.of(
          model("old", "2026-06-01", "2026-12-01"),
          model("current", null, null),
          model("aging", "2027-01-01", null));

  @Test
  void phasesFollowTheDatesFromTheStartOfTheDayInUtc() {
    List<ModelStatus> phases = at("2026-12-01T00:00:00Z").phases(models);

    assertThat(phases)
        .extracting(ModelStatus::getName, ModelStatus::getPhase)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("aging", "Active"),
            org.assertj.core.groups.Tuple.tuple("current", "Active"),
            org.assertj.core.groups.Tuple.tuple("old", "Retired"));
    assertThat(at("2026-11-30T23:59:59Z").phases(models))
        .filteredOn(s -> s.getName().equals("old"))
        .extracting(ModelStatus::getPhase)
        .containsExactly("Deprecated");
  }

  @Test
  void nextChangeIsTheEarliestFutureBoundary() {
    assertThat(at("2026-11-30T00:00:00Z").untilNextChange(models)).contains(Duration.ofDays(1));
    assertThat(at("2027-01-02T00:00:00Z").untilNextChange(models)).isEmpty();
  }
}
