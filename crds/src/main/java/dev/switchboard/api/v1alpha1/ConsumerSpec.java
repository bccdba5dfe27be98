package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.ConsumerTable;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Desired state of a Consumer: how it authenticates and what it may use. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConsumerSpec {

  @JsonPropertyDescription(
      "Secret keys holding the consumer's API keys (same namespace). Several keys are all valid at"
          + " once: rotation with overlap. Only SHA-256 hashes of the keys leave the Secrets.")
  @Required
  @Size(min = 1, max = 8)
  @ValidationRule(
      value =
          "self.all(r, self.exists_one(o, o.name == r.name && (has(o.key) ? o.key : 'apiKey')"
              + " == (has(r.key) ? r.key : 'apiKey')))",
      message = "keySecretRefs must not repeat a Secret key")
  private List<SecretKeyRef> keySecretRefs;

  @JsonPropertyDescription(
      "Model names or aliases the consumer may call, as globs (* any run of characters, ? one);"
          + " matched against the requested model and the route it resolves to. Absent: all.")
  @Size(max = 64)
  private List<@Size(min = 1, max = 253) String> models;

  @JsonPropertyDescription(
      "Rate limits over all of the consumer's requests; 429 rate_limit_exceeded with Retry-After"
          + " beyond them.")
  @Size(max = 4)
  private List<ConsumerRateLimit> rateLimits;

  @JsonPropertyDescription(
      "Spend limits in USD; 429 insufficient_quota once spent (costs from the providers'"
          + " pricing).")
  private ConsumerBudget budget;

  @JsonPropertyDescription(
      "What the gateway does with this consumer's requests while the shared state store (Redis) is"
          + " down: allow (count in the replica's memory meanwhile) or deny (503).")
  @Default("allow")
  @Pattern("^(allow|deny)$")
  private String onStoreUnavailable;

  @JsonPropertyDescription(
      "Labels added to the consumer's metrics (label_<key>) and request log lines, e.g. team or"
          + " cost center.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(k, k.matches('" + ConsumerTable.LABEL_KEY_PATTERN + "'))",
      message = "label keys must start with a letter and hold only letters, digits and _ (max 63)")
  private Map<String, @Size(max = 256) String> labels;

  @JsonPropertyDescription(
      "When to ask for a key rotation: KeyRotationDue turns True once a key is older than maxAge.")
  private KeyRotation keyRotation;

  public List<SecretKeyRef> getKeySecretRefs() {
    return keySecretRefs;
  }

  public void setKeySecretRefs(List<SecretKeyRef> keySecretRefs) {
    this.keySecretRefs = keySecretRefs;
  }

  public List<String> getModels() {
    return models;
  }

  public void setModels(List<String> models) {
    this.models = models;
  }

  public List<ConsumerRateLimit> getRateLimits() {
    return rateLimits;
  }

  public void setRateLimits(List<ConsumerRateLimit> rateLimits) {
    this.rateLimits = rateLimits;
  }

  public ConsumerBudget getBudget() {
    return budget;
  }

  public void setBudget(ConsumerBudget budget) {
    this.budget = budget;
  }

  public String getOnStoreUnavailable() {
    return onStoreUnavailable;
  }

  public void setOnStoreUnavailable(String onStoreUnavailable) {
    this.onStoreUnavailable = onStoreUnavailable;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public KeyRotation getKeyRotation() {
    return keyRotation;
  }

  public void setKeyRotation(KeyRotation keyRotation) {
    this.keyRotation = keyRotation;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsumerSpec that
        && Objects.equals(keySecretRefs, that.keySecretRefs)
        && Objects.equals(models, that.models)
        && Objects.equals(rateLimits, that.rateLimits)
        && Objects.equals(budget, that.budget)
        && Objects.equals(onStoreUnavailable, that.onStoreUnavailable)
        && Objects.equals(labels, that.labels)
        && Objects.equals(keyRotation, that.keyRotation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        keySecretRefs, models, rateLimits, budget, onStoreUnavailable, labels, keyRotation);
  }

  @Override
  public String toString() {
    return "ConsumerSpec{keySecretRefs="
        + keySecretRefs
        + ", models="
        + models
        + ", rateLimits="
        + rateLimits
        + ", budget="
        + budget
        + ", onStoreUnavailable="
        + onStoreUnavailable
        + ", labels="
        + labels
        + ", keyRotation="
        + keyRotation
        + "}";
  }
}
