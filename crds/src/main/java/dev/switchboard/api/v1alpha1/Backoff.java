package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingDefaults;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Exponential backoff between retry attempts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.initial) || !has(self.max) || duration(self.initial) <= duration(self.max)",
    message = "initial must not exceed max")
public class Backoff {

  /**
   * What an absent {@code initial} means, capped at {@code max}. Not a schema default: the API
   * server applies defaults before CEL rules, so {@code max: 100ms} would be refused against it.
   */
  public static final String DEFAULT_INITIAL = RoutingDefaults.BACKOFF_INITIAL;

  public static final String DEFAULT_MAX = RoutingDefaults.BACKOFF_MAX;

  @JsonPropertyDescription(
      "Delay before the first retry. A duration such as `250ms`, `2s`, `5m`. Absent: "
          + RoutingDefaults.BACKOFF_INITIAL
          + ", or max if that is shorter.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String initial;

  @JsonPropertyDescription(
      "Upper bound of any single delay. A duration such as `250ms`, `2s`, `5m`.")
  @Default(DEFAULT_MAX)
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String max;

  @JsonPropertyDescription("Factor applied to the delay after each attempt.")
  @Default("" + RoutingDefaults.BACKOFF_MULTIPLIER)
  @Min(1)
  @Max(10)
  private Double multiplier;

  @JsonPropertyDescription("Randomisation of each delay: none, full or equal.")
  @Default("full")
  @SchemaFrom(type = SchemaEnums.Jitter.class)
  private String jitter;

  public String getInitial() {
    return initial;
  }

  public void setInitial(String initial) {
    this.initial = initial;
  }

  public String getMax() {
    return max;
  }

  public void setMax(String max) {
    this.max = max;
  }

  public Double getMultiplier() {
    return multiplier;
  }

  public void setMultiplier(Double multiplier) {
    this.multiplier = multiplier;
  }

  public String getJitter() {
    return jitter;
  }

  public void setJitter(String jitter) {
    this.jitter = jitter;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Backoff)) {
      return false;
    }
    Backoff that = (Backoff) o;
    return Objects.equals(initial, that.initial)
        && Objects.equals(max, that.max)
        && Objects.equals(multiplier, that.multiplier)
        && Objects.equals(jitter, that.jitter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(initial, max, multiplier, jitter);
  }

  @Override
  public String toString() {
    return "Backoff{"
        + "initial="
        + initial
        + ", max="
        + max
        + ", multiplier="
        + multiplier
        + ", jitter="
        + jitter
        + "}";
  }
}
