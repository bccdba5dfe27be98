package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** Observed state of a Consumer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConsumerStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Conditions: Ready (keys resolved and published to the gateways), BudgetExhausted (spend"
          + " reached a budget), KeyRotationDue (a key is older than keyRotation.maxAge).")
  private List<Condition> conditions;

  @JsonPropertyDescription(
      "The keys in force, by fingerprint (never the key), with when the operator first saw each.")
  private List<ObservedKey> keys;

  @JsonPropertyDescription("Spend today and this month, as the gateway replicas report it.")
  private ConsumerSpend spend;

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

  public List<ObservedKey> getKeys() {
    return keys;
  }

  public void setKeys(List<ObservedKey> keys) {
    this.keys = keys;
  }

  public ConsumerSpend getSpend() {
    return spend;
  }

  public void setSpend(ConsumerSpend spend) {
    this.spend = spend;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsumerStatus that
        && Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(keys, that.keys)
        && Objects.equals(spend, that.spend);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, keys, spend);
  }

  @Override
  public String toString() {
    return "ConsumerStatus{observedGeneration="
        + observedGeneration
        + ", conditions="
        + conditions
        + ", keys="
        + keys
        + ", spend="
        + spend
        + "}";
  }
}
