package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import java.util.List;
import java.util.Objects;

/**
 * The side-by-side evaluation's progress and figures, aggregated across gateway replicas over its
 * whole duration.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationStatus {

  @JsonPropertyDescription(
      "Identity of the evaluation (changes when its candidates, sample or duration change).")
  private String id;

  @JsonPropertyDescription("Running or Completed.")
  @SchemaFrom(type = SchemaEnums.EvaluationPhase.class)
  private String phase;

  @JsonPropertyDescription("When it started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When it ends (RFC 3339).")
  private String endsAt;

  @JsonPropertyDescription("When the figures were last aggregated (RFC 3339).")
  private String updatedAt;

  @JsonPropertyDescription(
      "Started by the policy's lifecycle.evaluateSuccessorBefore for an approaching retirement.")
  private Boolean automatic;

  @JsonPropertyDescription("The baseline's figures.")
  private EvaluationBaseline baseline;

  @JsonPropertyDescription("Each candidate against the baseline.")
  private List<EvaluationCandidateStatus> candidates;

  @JsonPropertyDescription("Where the runbook entry is: configmap/NAME key KEY.")
  private String report;

  @JsonPropertyDescription(
      "Ids of the route's earlier evaluation runs that ended or were removed (each with its"
          + " final runbook entry; a run whose spec.evaluation was removed while it ran ended"
          + " then, its entry saying so), oldest first, at most 10: a later run of one gets a new"
          + " id (<id>-r2, -r3, ...), so the ended run's entry stays as written.")
  private List<String> endedIds;

  public String getId() {
    return id;
  }

  public void setId(String id) {
    this.id = id;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getEndsAt() {
    return endsAt;
  }

  public void setEndsAt(String endsAt) {
    this.endsAt = endsAt;
  }

  public String getUpdatedAt() {
    return updatedAt;
  }

  public void setUpdatedAt(String updatedAt) {
    this.updatedAt = updatedAt;
  }

  public Boolean getAutomatic() {
    return automatic;
  }

  public void setAutomatic(Boolean automatic) {
    this.automatic = automatic;
  }

  public EvaluationBaseline getBaseline() {
    return baseline;
  }

  public void setBaseline(EvaluationBaseline baseline) {
    this.baseline = baseline;
  }

  public List<EvaluationCandidateStatus> getCandidates() {
    return candidates;
  }

  public void setCandidates(List<EvaluationCandidateStatus> candidates) {
    this.candidates = candidates;
  }

  public String getReport() {
    return report;
  }

  public void setReport(String report) {
    this.report = report;
  }

  public List<String> getEndedIds() {
    return endedIds;
  }

  public void setEndedIds(List<String> endedIds) {
    this.endedIds = endedIds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationStatus that
        && Objects.equals(id, that.id)
        && Objects.equals(phase, that.phase)
        && Objects.equals(startedAt, that.startedAt)
        && Objects.equals(endsAt, that.endsAt)
        && Objects.equals(updatedAt, that.updatedAt)
        && Objects.equals(automatic, that.automatic)
        && Objects.equals(baseline, that.baseline)
        && Objects.equals(candidates, that.candidates)
        && Objects.equals(report, that.report)
        && Objects.equals(endedIds, that.endedIds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        id, phase, startedAt, endsAt, updatedAt, automatic, baseline, candidates, report, endedIds);
  }

  @Override
  public String toString() {
    return "EvaluationStatus{"
        + "id="
        + id
        + ", phase="
        + phase
        + ", startedAt="
        + startedAt
        + ", endsAt="
        + endsAt
        + ", updatedAt="
        + updatedAt
        + ", automatic="
        + automatic
        + ", baseline="
        + baseline
        + ", candidates="
        + candidates
        + ", report="
        + report
        + ", endedIds="
        + endedIds
        + "}";
  }
}
