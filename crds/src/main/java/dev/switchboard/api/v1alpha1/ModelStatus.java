package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import java.util.Objects;

/** Lifecycle phase of one declared model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelStatus {

  @JsonPropertyDescription("The provider's model id.")
  private String name;

  @JsonPropertyDescription("Active, Deprecated or Retired, from the lifecycle dates.")
  @SchemaFrom(type = SchemaEnums.ModelPhase.class)
  private String phase;

  @JsonPropertyDescription("Whole days until retiredAfter (0 on and after it); absent without one.")
  private Long retiresInDays;

  @JsonPropertyDescription("The model that replaces this one (lifecycle.successor).")
  private String successor;

  public Long getRetiresInDays() {
    return retiresInDays;
  }

  public void setRetiresInDays(Long retiresInDays) {
    this.retiresInDays = retiresInDays;
  }

  public String getSuccessor() {
    return successor;
  }

  public void setSuccessor(String successor) {
    this.successor = successor;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ModelStatus)) {
      return false;
    }
    ModelStatus that = (ModelStatus) o;
    return Objects.equals(name, that.name)
        && Objects.equals(phase, that.phase)
        && Objects.equals(retiresInDays, that.retiresInDays)
        && Objects.equals(successor, that.successor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, phase, retiresInDays, successor);
  }

  @Override
  public String toString() {
    return "ModelStatus{name="
        + name
        + ", phase="
        + phase
        + ", retiresInDays="
        + retiresInDays
        + ", successor="
        + successor
        + "}";
  }
}
