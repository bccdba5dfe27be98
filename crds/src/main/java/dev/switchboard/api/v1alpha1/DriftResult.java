package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Drift measured for one target of one route. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftResult {

  @JsonPropertyDescription("ModelRoute name.")
  private String route;

  @JsonPropertyDescription("Target as provider/model.")
  private String target;

  @JsonPropertyDescription("Model version (the upstream's model field) this run was answered with.")
  private String modelVersion;

  @JsonPropertyDescription("system_fingerprint this run was answered with.")
  private String fingerprint;

  @JsonPropertyDescription("Model version of the baseline.")
  private String baselineModelVersion;

  @JsonPropertyDescription("system_fingerprint of the baseline.")
  private String baselineFingerprint;

  @JsonPropertyDescription(
      "Largest per-prompt normalised Levenshtein distance to the baseline answer (0 equal, 1 nothing in common).")
  private Double distance;

  @JsonPropertyDescription(
      "Mean per-prompt normalised Levenshtein distance to the baseline answer.")
  private Double meanDistance;

  @JsonPropertyDescription(
      "Share of prompts whose samples were all equal, among the prompts answered at least twice; absent when none was (samples: 1): not measured.")
  private Double agreement;

  @JsonPropertyDescription("Prompts compared in this run.")
  private Integer prompts;

  @JsonPropertyDescription("Prompts whose distance exceeded maxNormalizedDistance.")
  private Integer driftedPrompts;

  @JsonPropertyDescription("Requests of this run that got no answer.")
  private Integer failedRequests;

  @JsonPropertyDescription(
      "The first error of this run's failed requests for the target (e.g. gateway answered HTTP 503).")
  private String error;

  @JsonPropertyDescription(
      "Whether a prompt's distance exceeded maxNormalizedDistance or the model version or fingerprint changed.")
  private Boolean drifted;

  @JsonPropertyDescription(
      "false when the target's own samples of a prompt differed from each other by more than"
          + " maxNormalizedDistance in this run (a provider that honours no seed, or answers that"
          + " vary at temperature 0): its answers are not compared with the baseline, which is not"
          + " drift; a model version or fingerprint change still is. Absent otherwise.")
  private Boolean reproducible;

  @JsonPropertyDescription("What drifted, in words.")
  private String reason;

  @JsonPropertyDescription("RFC 3339 time the baseline was recorded.")
  private String baselineFrom;

  public String getRoute() {
    return route;
  }

  public void setRoute(String route) {
    this.route = route;
  }

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public String getModelVersion() {
    return modelVersion;
  }

  public void setModelVersion(String modelVersion) {
    this.modelVersion = modelVersion;
  }

  public String getFingerprint() {
    return fingerprint;
  }

  public void setFingerprint(String fingerprint) {
    this.fingerprint = fingerprint;
  }

  public String getBaselineModelVersion() {
    return baselineModelVersion;
  }

  public void setBaselineModelVersion(String baselineModelVersion) {
    this.baselineModelVersion = baselineModelVersion;
  }

  public String getBaselineFingerprint() {
    return baselineFingerprint;
  }

  public void setBaselineFingerprint(String baselineFingerprint) {
    this.baselineFingerprint = baselineFingerprint;
  }

  public Double getDistance() {
    return distance;
  }

  public void setDistance(Double distance) {
    this.distance = distance;
  }

  public Double getMeanDistance() {
    return meanDistance;
  }

  public void setMeanDistance(Double meanDistance) {
    this.meanDistance = meanDistance;
  }

  public Double getAgreement() {
    return agreement;
  }

  public void setAgreement(Double agreement) {
    this.agreement = agreement;
  }

  public Integer getPrompts() {
    return prompts;
  }

  public void setPrompts(Integer prompts) {
    this.prompts = prompts;
  }

  public Integer getDriftedPrompts() {
    return driftedPrompts;
  }

  public void setDriftedPrompts(Integer driftedPrompts) {
    this.driftedPrompts = driftedPrompts;
  }

  public Integer getFailedRequests() {
    return failedRequests;
  }

  public void setFailedRequests(Integer failedRequests) {
    this.failedRequests = failedRequests;
  }

  public String getError() {
    return error;
  }

  public void setError(String error) {
    this.error = error;
  }

  public Boolean getDrifted() {
    return drifted;
  }

  public void setDrifted(Boolean drifted) {
    this.drifted = drifted;
  }

  public Boolean getReproducible() {
    return reproducible;
  }

  public void setReproducible(Boolean reproducible) {
    this.reproducible = reproducible;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getBaselineFrom() {
    return baselineFrom;
  }

  public void setBaselineFrom(String baselineFrom) {
    this.baselineFrom = baselineFrom;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DriftResult)) {
      return false;
    }
    DriftResult that = (DriftResult) o;
    return Objects.equals(route, that.route)
        && Objects.equals(target, that.target)
        && Objects.equals(modelVersion, that.modelVersion)
        && Objects.equals(fingerprint, that.fingerprint)
        && Objects.equals(baselineModelVersion, that.baselineModelVersion)
        && Objects.equals(baselineFingerprint, that.baselineFingerprint)
        && Objects.equals(distance, that.distance)
        && Objects.equals(meanDistance, that.meanDistance)
        && Objects.equals(agreement, that.agreement)
        && Objects.equals(prompts, that.prompts)
        && Objects.equals(driftedPrompts, that.driftedPrompts)
        && Objects.equals(failedRequests, that.failedRequests)
        && Objects.equals(error, that.error)
        && Objects.equals(drifted, that.drifted)
        && Objects.equals(reproducible, that.reproducible)
        && Objects.equals(reason, that.reason)
        && Objects.equals(baselineFrom, that.baselineFrom);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        route,
        target,
        modelVersion,
        fingerprint,
        baselineModelVersion,
        baselineFingerprint,
        distance,
        meanDistance,
        agreement,
        prompts,
        driftedPrompts,
        failedRequests,
        error,
        drifted,
        reproducible,
        reason,
        baselineFrom);
  }

  @Override
  public String toString() {
    return "DriftResult{"
        + "route="
        + route
        + ", target="
        + target
        + ", modelVersion="
        + modelVersion
        + ", fingerprint="
        + fingerprint
        + ", baselineModelVersion="
        + baselineModelVersion
        + ", baselineFingerprint="
        + baselineFingerprint
        + ", distance="
        + distance
        + ", meanDistance="
        + meanDistance
        + ", agreement="
        + agreement
        + ", prompts="
        + prompts
        + ", driftedPrompts="
        + driftedPrompts
        + ", failedRequests="
        + failedRequests
        + ", error="
        + error
        + ", drifted="
        + drifted
        + ", reproducible="
        + reproducible
        + ", reason="
        + reason
        + ", baselineFrom="
        + baselineFrom
        + "}";
  }
}
