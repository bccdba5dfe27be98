package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** An estimate with its 95 % confidence interval. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Interval {

  @JsonPropertyDescription("The estimate.")
  private Double value;

  @JsonPropertyDescription("Lower and upper bound of the 95 % confidence interval.")
  private List<Double> ci95;

  public Double getValue() {
    return value;
  }

  public void setValue(Double value) {
    this.value = value;
  }

  public List<Double> getCi95() {
    return ci95;
  }

  public void setCi95(List<Double> ci95) {
    this.ci95 = ci95;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Interval that
        && Objects.equals(value, that.value)
        && Objects.equals(ci95, that.ci95);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, ci95);
  }

  @Override
  public String toString() {
    return "Interval{" + "value=" + value + ", ci95=" + ci95 + "}";
  }
}
