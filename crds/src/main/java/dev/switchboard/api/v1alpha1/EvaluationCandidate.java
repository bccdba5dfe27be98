package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A model evaluated side by side with a route's serving targets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationCandidate {

  @JsonPropertyDescription("ProviderEndpoint in the same namespace.")
  @Required
  private LocalObjectRef providerRef;

  @JsonPropertyDescription("The provider's model id.")
  @Required
  @Pattern(SchemaPatterns.MODEL_ID)
  @Size(max = 256)
  private String model;

  public LocalObjectRef getProviderRef() {
    return providerRef;
  }

  public void setProviderRef(LocalObjectRef providerRef) {
    this.providerRef = providerRef;
  }

  public String getModel() {
    return model;
  }

  public void setModel(String model) {
    this.model = model;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationCandidate that
        && Objects.equals(providerRef, that.providerRef)
        && Objects.equals(model, that.model);
  }

  @Override
  public int hashCode() {
    return Objects.hash(providerRef, model);
  }

  @Override
  public String toString() {
    return "EvaluationCandidate{" + "providerRef=" + providerRef + ", model=" + model + "}";
  }
}
