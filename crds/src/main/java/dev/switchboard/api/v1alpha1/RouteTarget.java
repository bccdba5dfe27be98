package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A physical target: a model id at a ProviderEndpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RouteTarget {

  @JsonPropertyDescription("The ProviderEndpoint serving the model.")
  @Required
  private LocalObjectRef providerRef;

  @JsonPropertyDescription("The provider's model id.")
  @Required
  @Pattern(SchemaPatterns.MODEL_ID)
  @Size(min = 1, max = 256)
  private String model;

  @JsonPropertyDescription(
      "Relative share of traffic under the weighted strategy (0-100; need not sum to 100).")
  @Default("1")
  @Min(0)
  @Max(100)
  private Integer weight;

  @JsonPropertyDescription("Failover order under the priority strategy; lower is tried first.")
  @Default("0")
  @Min(0)
  @Max(100)
  private Integer priority;

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

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public Integer getPriority() {
    return priority;
  }

  public void setPriority(Integer priority) {
    this.priority = priority;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RouteTarget)) {
      return false;
    }
    RouteTarget that = (RouteTarget) o;
    return Objects.equals(providerRef, that.providerRef)
        && Objects.equals(model, that.model)
        && Objects.equals(weight, that.weight)
        && Objects.equals(priority, that.priority);
  }

  @Override
  public int hashCode() {
    return Objects.hash(providerRef, model, weight, priority);
  }

  @Override
  public String toString() {
    return "RouteTarget{"
        + "providerRef="
        + providerRef
        + ", model="
        + model
        + ", weight="
        + weight
        + ", priority="
        + priority
        + "}";
  }
}
