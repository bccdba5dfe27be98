package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;
import java.util.Objects;

/**
 * The counts a canary step's analysis rests on, summed over the step's windows, kept in status so
 * that an operator restart, a leader change or a paused stretch continues the step's sums.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepCounts {

  @JsonPropertyDescription("Canary revision the counts belong to.")
  private Long revision;

  @JsonPropertyDescription("Index of the step (0-based) the counts belong to.")
  private Integer step;

  @JsonPropertyDescription("RFC 3339 start of the first window summed.")
  private String from;

  @JsonPropertyDescription("RFC 3339 end of the last window summed.")
  private String to;

  @JsonPropertyDescription("Canary arm's counts.")
  private ArmCounts canary;

  @JsonPropertyDescription("Stable arm's counts.")
  private ArmCounts stable;

  @JsonPropertyDescription(
      "RFC 3339 time of the gateway replicas' counters in baselines: where the next window starts.")
  private String baselineAt;

  @JsonPropertyDescription(
      "Each gateway replica's cumulative counters at baselineAt, by its /metrics URL (at most 16"
          + " replicas; none with more), so that a restarted operator counts its first window.")
  private Map<String, ReplicaCounts> baselines;

  public Long getRevision() {
    return revision;
  }

  public void setRevision(Long revision) {
    this.revision = revision;
  }

  public Integer getStep() {
    return step;
  }

  public void setStep(Integer step) {
    this.step = step;
  }

  public String getFrom() {
    return from;
  }

  public void setFrom(String from) {
    this.from = from;
  }

  public String getTo() {
    return to;
  }

  public void setTo(String to) {
    this.to = to;
  }

  public ArmCounts getCanary() {
    return canary;
  }

  public void setCanary(ArmCounts canary) {
    this.canary = canary;
  }

  public ArmCounts getStable() {
    return stable;
  }

  public void setStable(ArmCounts stable) {
    this.stable = stable;
  }

  public String getBaselineAt() {
    return baselineAt;
  }

  public void setBaselineAt(String baselineAt) {
    this.baselineAt = baselineAt;
  }

  public Map<String, ReplicaCounts> getBaselines() {
    return baselines;
  }

  public void setBaselines(Map<String, ReplicaCounts> baselines) {
    this.baselines = baselines;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StepCounts that
        && Objects.equals(revision, that.revision)
        && Objects.equals(step, that.step)
        && Objects.equals(from, that.from)
        && Objects.equals(to, that.to)
        && Objects.equals(canary, that.canary)
        && Objects.equals(stable, that.stable)
        && Objects.equals(baselineAt, that.baselineAt)
        && Objects.equals(baselines, that.baselines);
  }

  @Override
  public int hashCode() {
    return Objects.hash(revision, step, from, to, canary, stable, baselineAt, baselines);
  }

  @Override
  public String toString() {
    return "StepCounts{revision="
        + revision
        + ", step="
        + step
        + ", from="
        + from
        + ", to="
        + to
        + ", canary="
        + canary
        + ", stable="
        + stable
        + ", baselineAt="
        + baselineAt
        + ", baselines="
        + (baselines == null ? 0 : baselines.size())
        + "}";
  }
}
