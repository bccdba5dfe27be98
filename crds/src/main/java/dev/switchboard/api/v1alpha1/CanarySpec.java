package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.CanaryMode;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** How a change of targets is rolled out; absent means applied at once. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CanarySpec {

  @JsonPropertyDescription("split (real traffic share) or shadow (mirror; answer from stable).")
  @Default("split")
  @SchemaFrom(type = CanaryMode.class)
  private String mode;

  @JsonPropertyDescription(
      "Steps with strictly increasing weights below 100; full promotion follows the last.")
  @Required
  @Size(min = 1, max = 10)
  @ValidationRule(
      value =
          "[0, 1, 2, 3, 4, 5, 6, 7, 8].all(i, i + 1 >= self.size() || self[i].weight < self[i + 1].weight)",
      message = "step weights must be strictly increasing")
  private List<CanaryStep> steps;

  @JsonPropertyDescription("Thresholds of the canary analysis.")
  @Default("{}")
  private CanaryAnalysis analysis;

  @JsonPropertyDescription("Source of canary metrics.")
  @Default("{}")
  private CanaryMetrics metrics;

  public String getMode() {
    return mode;
  }

  public void setMode(String mode) {
    this.mode = mode;
  }

  public List<CanaryStep> getSteps() {
    return steps;
  }

  public void setSteps(List<CanaryStep> steps) {
    this.steps = steps;
  }

  public CanaryAnalysis getAnalysis() {
    return analysis;
  }

  public void setAnalysis(CanaryAnalysis analysis) {
    this.analysis = analysis;
  }

  public CanaryMetrics getMetrics() {
    return metrics;
  }

  public void setMetrics(CanaryMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CanarySpec)) {
      return false;
    }
    CanarySpec that = (CanarySpec) o;
    return Objects.equals(mode, that.mode)
        && Objects.equals(steps, that.steps)
        && Objects.equals(analysis, that.analysis)
        && Objects.equals(metrics, that.metrics);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, steps, analysis, metrics);
  }

  @Override
  public String toString() {
    return "CanarySpec{"
        + "mode="
        + mode
        + ", steps="
        + steps
        + ", analysis="
        + analysis
        + ", metrics="
        + metrics
        + "}";
  }
}
