package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Outcome of the last canary analysis run. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AnalysisStatus {

  @JsonPropertyDescription("RFC 3339 time of the last run.")
  private String lastRun;

  @JsonPropertyDescription("Canary figures.")
  private ArmFigures canary;

  @JsonPropertyDescription("Stable figures.")
  private ArmFigures stable;

  @JsonPropertyDescription("Pass, Fail or Inconclusive (not enough requests).")
  private String verdict;

  @JsonPropertyDescription(
      "The current step's counts summed so far (gateway metrics source), so that a restarted"
          + " operator continues the step.")
  private StepCounts stepCounts;

  public StepCounts getStepCounts() {
    return stepCounts;
  }

  public void setStepCounts(StepCounts stepCounts) {
    this.stepCounts = stepCounts;
  }

  public String getLastRun() {
    return lastRun;
  }

  public void setLastRun(String lastRun) {
    this.lastRun = lastRun;
  }

  public ArmFigures getCanary() {
    return canary;
  }

  public void setCanary(ArmFigures canary) {
    this.canary = canary;
  }

  public ArmFigures getStable() {
    return stable;
  }

  public void setStable(ArmFigures stable) {
    this.stable = stable;
  }

  public String getVerdict() {
    return verdict;
  }

  public void setVerdict(String verdict) {
    this.verdict = verdict;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof AnalysisStatus)) {
      return false;
    }
    AnalysisStatus that = (AnalysisStatus) o;
    return Objects.equals(lastRun, that.lastRun)
        && Objects.equals(canary, that.canary)
        && Objects.equals(stable, that.stable)
        && Objects.equals(verdict, that.verdict)
        && Objects.equals(stepCounts, that.stepCounts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lastRun, canary, stable, verdict, stepCounts);
  }

  @Override
  public String toString() {
    return "AnalysisStatus{"
        + "lastRun="
        + lastRun
        + ", canary="
        + canary
        + ", stable="
        + stable
        + ", verdict="
        + verdict
        + "}";
  }
}
