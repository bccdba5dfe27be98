package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.RoutingDefaults;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** Caps retries as a share of upstream traffic so retries cannot amplify an outage. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetryBudget {

  @JsonPropertyDescription("Retries may add at most this fraction of first attempts.")
  @Default("" + RoutingDefaults.BUDGET_RATIO)
  @Min(0)
  @Max(1)
  private Double ratio;

  @JsonPropertyDescription("Retries per second always allowed, whatever the ratio.")
  @Default("" + RoutingDefaults.BUDGET_MIN_PER_SECOND)
  @Min(0)
  @Max(10000)
  private Integer minPerSecond;

  public Double getRatio() {
    return ratio;
  }

  public void setRatio(Double ratio) {
    this.ratio = ratio;
  }

  public Integer getMinPerSecond() {
    return minPerSecond;
  }

  public void setMinPerSecond(Integer minPerSecond) {
    this.minPerSecond = minPerSecond;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RetryBudget)) {
      return false;
    }
    RetryBudget that = (RetryBudget) o;
    return Objects.equals(ratio, that.ratio) && Objects.equals(minPerSecond, that.minPerSecond);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ratio, minPerSecond);
  }

  @Override
  public String toString() {
    return "RetryBudget{" + "ratio=" + ratio + ", minPerSecond=" + minPerSecond + "}";
  }
}
