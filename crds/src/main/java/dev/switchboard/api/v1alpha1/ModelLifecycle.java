package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** When a provider deprecates and retires a model, and what replaces it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.deprecatedAfter) || !has(self.retiredAfter) || self.deprecatedAfter <= self.retiredAfter",
    message = "retiredAfter must not be before deprecatedAfter")
public class ModelLifecycle {

  @JsonPropertyDescription("ISO date (YYYY-MM-DD) after which the model is deprecated.")
  @Pattern(SchemaPatterns.DATE)
  @Size(max = 10)
  private String deprecatedAfter;

  @JsonPropertyDescription(
      "ISO date (YYYY-MM-DD) after which the provider no longer serves the model.")
  @Pattern(SchemaPatterns.DATE)
  @Size(max = 10)
  private String retiredAfter;

  @JsonPropertyDescription("Model id that replaces this one.")
  @Pattern(SchemaPatterns.MODEL_ID)
  @Size(max = 256)
  private String successor;

  public String getDeprecatedAfter() {
    return deprecatedAfter;
  }

  public void setDeprecatedAfter(String deprecatedAfter) {
    this.deprecatedAfter = deprecatedAfter;
  }

  public String getRetiredAfter() {
    return retiredAfter;
  }

  public void setRetiredAfter(String retiredAfter) {
    this.retiredAfter = retiredAfter;
  }

  public String getSuccessor() {
    return successor;
  }

  public void setSuccessor(String successor) {
    this.successor = successor;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ModelLifecycle)) {
      return false;
    }
    ModelLifecycle that = (ModelLifecycle) o;
    return Objects.equals(deprecatedAfter, that.deprecatedAfter)
        && Objects.equals(retiredAfter, that.retiredAfter)
        && Objects.equals(successor, that.successor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(deprecatedAfter, retiredAfter, successor);
  }

  @Override
  public String toString() {
    return "ModelLifecycle{"
        + "deprecatedAfter="
        + deprecatedAfter
        + ", retiredAfter="
        + retiredAfter
        + ", successor="
        + successor
        + "}";
  }
}
