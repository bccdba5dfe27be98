package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** Observed state of a RoutingPolicy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RoutingPolicyStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Standard conditions (type, status, reason, message, lastTransitionTime, observedGeneration).")
  private List<Condition> conditions;

  @JsonPropertyDescription("Outcome of the last drift check.")
  private DriftStatus drift;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public DriftStatus getDrift() {
    return drift;
  }

  public void setDrift(DriftStatus drift) {
    this.drift = drift;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RoutingPolicyStatus)) {
      return false;
    }
    RoutingPolicyStatus that = (RoutingPolicyStatus) o;
    return Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(drift, that.drift);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, drift);
  }

  @Override
  public String toString() {
    return "RoutingPolicyStatus{"
        + "observedGeneration="
        + observedGeneration
        + ", conditions="
        + conditions
        + ", drift="
        + drift
        + "}";
  }
}
