package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** Observed state of a ModelRoute, including the canary state machine. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelRouteStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Stable, Progressing, Paused, RolledBack or Failed.")
  @SchemaFrom(type = SchemaEnums.RoutePhase.class)
  private String phase;

  @JsonPropertyDescription("Generation whose targets are the stable version.")
  private Long stableRevision;

  @JsonPropertyDescription("Generation whose targets are the canary, while one runs.")
  private Long canaryRevision;

  @JsonPropertyDescription("Current canary traffic percentage.")
  private Integer canaryWeight;

  @JsonPropertyDescription("Index of the current canary step.")
  private Integer currentStep;

  @JsonPropertyDescription(
      "RFC 3339 time the current canary step started; its pause counts from here (kept in status"
          + " so that a restarted operator resumes the step instead of restarting it).")
  private String stepStartedAt;

  @JsonPropertyDescription(
      "Generation whose canary was rolled back; it is not retried until its targets change"
          + " (failedTargets).")
  private Long failedRevision;

  @JsonPropertyDescription(
      "provider/model of the rolled-back canary's targets and its rules' targets; the canary is"
          + " retried only when they change, not on other spec edits.")
  private List<String> failedTargets;

  @JsonPropertyDescription("Last canary analysis.")
  private AnalysisStatus analysis;

  @JsonPropertyDescription("Routing table loaded by the gateway.")
  private GatewayStatus gateway;

  @JsonPropertyDescription(
      "The side-by-side evaluation: figures with 95 % intervals and verdicts per candidate.")
  private EvaluationStatus evaluation;

  @JsonPropertyDescription(
      "The cost-observation loop's live figures per target, merged over the gateway replicas;"
          + " refreshed at most every 30 s and only when they changed materially.")
  private List<ObservedTarget> observed;

  @JsonPropertyDescription(
      "Standard conditions (type, status, reason, message, lastTransitionTime, observedGeneration).")
  private List<Condition> conditions;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public Long getStableRevision() {
    return stableRevision;
  }

  public void setStableRevision(Long stableRevision) {
    this.stableRevision = stableRevision;
  }

  public Long getCanaryRevision() {
    return canaryRevision;
  }

  public void setCanaryRevision(Long canaryRevision) {
    this.canaryRevision = canaryRevision;
  }

  public Integer getCanaryWeight() {
    return canaryWeight;
  }

  public void setCanaryWeight(Integer canaryWeight) {
    this.canaryWeight = canaryWeight;
  }

  public Integer getCurrentStep() {
    return currentStep;
  }

  public void setCurrentStep(Integer currentStep) {
    this.currentStep = currentStep;
  }

  public String getStepStartedAt() {
    return stepStartedAt;
  }

  public void setStepStartedAt(String stepStartedAt) {
    this.stepStartedAt = stepStartedAt;
  }

  public Long getFailedRevision() {
    return failedRevision;
  }

  public void setFailedRevision(Long failedRevision) {
    this.failedRevision = failedRevision;
  }

  public List<String> getFailedTargets() {
    return failedTargets;
  }

  public void setFailedTargets(List<String> failedTargets) {
    this.failedTargets = failedTargets;
  }

  public AnalysisStatus getAnalysis() {
    return analysis;
  }

  public void setAnalysis(AnalysisStatus analysis) {
    this.analysis = analysis;
  }

  public GatewayStatus getGateway() {
    return gateway;
  }

  public void setGateway(GatewayStatus gateway) {
    this.gateway = gateway;
  }

  public List<ObservedTarget> getObserved() {
    return observed;
  }

  public void setObserved(List<ObservedTarget> observed) {
    this.observed = observed;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public EvaluationStatus getEvaluation() {
    return evaluation;
  }

  public void setEvaluation(EvaluationStatus evaluation) {
    this.evaluation = evaluation;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ModelRouteStatus)) {
      return false;
    }
    ModelRouteStatus that = (ModelRouteStatus) o;
    return Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(phase, that.phase)
        && Objects.equals(stableRevision, that.stableRevision)
        && Objects.equals(canaryRevision, that.canaryRevision)
        && Objects.equals(canaryWeight, that.canaryWeight)
        && Objects.equals(currentStep, that.currentStep)
        && Objects.equals(stepStartedAt, that.stepStartedAt)
        && Objects.equals(failedRevision, that.failedRevision)
        && Objects.equals(failedTargets, that.failedTargets)
        && Objects.equals(analysis, that.analysis)
        && Objects.equals(gateway, that.gateway)
        && Objects.equals(observed, that.observed)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(evaluation, that.evaluation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        phase,
        stableRevision,
        canaryRevision,
        canaryWeight,
        currentStep,
        stepStartedAt,
        failedRevision,
        failedTargets,
        analysis,
        gateway,
        observed,
        conditions,
        evaluation);
  }

  @Override
  public String toString() {
    return "ModelRouteStatus{"
        + "observedGeneration="
        + observedGeneration
        + ", phase="
        + phase
        + ", stableRevision="
        + stableRevision
        + ", canaryRevision="
        + canaryRevision
        + ", canaryWeight="
        + canaryWeight
        + ", currentStep="
        + currentStep
        + ", stepStartedAt="
        + stepStartedAt
        + ", failedRevision="
        + failedRevision
        + ", failedTargets="
        + failedTargets
        + ", analysis="
        + analysis
        + ", gateway="
        + gateway
        + ", observed="
        + observed
        + ", conditions="
        + conditions
        + ", evaluation="
        + evaluation
        + "}";
  }
}
