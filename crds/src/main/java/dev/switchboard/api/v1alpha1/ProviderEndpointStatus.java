package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** Observed state of a ProviderEndpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProviderEndpointStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Standard conditions (type, status, reason, message, lastTransitionTime, observedGeneration).")
  private List<Condition> conditions;

  @JsonPropertyDescription("Lifecycle phase of each declared model.")
  private List<ModelStatus> models;

  @JsonPropertyDescription(
      "The API key in use, by fingerprint (sha256: and 8 hex digits of its hash, never the key),"
          + " and when the operator first saw it.")
  private ObservedKey credentials;

  @JsonPropertyDescription(
      "Each prepaid commitment (the endpoint's and its models') with this month's use and its"
          + " projected month-end use, as the gateway replicas count it.")
  private List<CommitmentStatus> commitments;

  public List<CommitmentStatus> getCommitments() {
    return commitments;
  }

  public void setCommitments(List<CommitmentStatus> commitments) {
    this.commitments = commitments;
  }

  public ObservedKey getCredentials() {
    return credentials;
  }

  public void setCredentials(ObservedKey credentials) {
    this.credentials = credentials;
  }

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

  public List<ModelStatus> getModels() {
    return models;
  }

  public void setModels(List<ModelStatus> models) {
    this.models = models;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ProviderEndpointStatus)) {
      return false;
    }
    ProviderEndpointStatus that = (ProviderEndpointStatus) o;
    return Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(models, that.models)
        && Objects.equals(credentials, that.credentials)
        && Objects.equals(commitments, that.commitments);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, models, credentials, commitments);
  }

  @Override
  public String toString() {
    return "ProviderEndpointStatus{"
        + "observedGeneration="
        + observedGeneration
        + ", conditions="
        + conditions
        + ", models="
        + models
        + ", credentials="
        + credentials
        + ", commitments="
        + commitments
        + "}";
  }
}
