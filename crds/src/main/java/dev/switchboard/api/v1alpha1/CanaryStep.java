package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** One step of a canary rollout. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CanaryStep {

  @JsonPropertyDescription(
      "Percentage of traffic (split) or mirrored traffic (shadow) sent to the canary, 1-99.")
  @Required
  @Min(1)
  @Max(99)
  private Integer weight;

  @JsonPropertyDescription(
      "Minimum time at this step before analysis may advance it. A duration such as `250ms`, `2s`, `5m`.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String pause;

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public String getPause() {
    return pause;
  }

  public void setPause(String pause) {
    this.pause = pause;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CanaryStep)) {
      return false;
    }
    CanaryStep that = (CanaryStep) o;
    return Objects.equals(weight, that.weight) && Objects.equals(pause, that.pause);
  }

  @Override
  public int hashCode() {
    return Objects.hash(weight, pause);
  }

  @Override
  public String toString() {
    return "CanaryStep{" + "weight=" + weight + ", pause=" + pause + "}";
  }
}
