package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingDefaults;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** Per-target circuit breaker that stops sending to a failing target for a while. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CircuitBreakerSpec {

  @JsonPropertyDescription("Failure rate, in percent, at which the breaker opens.")
  @Default("" + RoutingDefaults.FAILURE_RATE_THRESHOLD)
  @Min(1)
  @Max(100)
  private Integer failureRateThreshold;

  @JsonPropertyDescription(
      "Calls slower than this count as failures. A duration such as `250ms`, `2s`, `5m`.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String slowCallThreshold;

  @JsonPropertyDescription("Calls in the window before the failure rate is judged.")
  @Default("" + RoutingDefaults.MINIMUM_CALLS)
  @Min(1)
  @Max(100000)
  private Integer minimumCalls;

  @JsonPropertyDescription(
      "Sliding time window over which the failure rate is computed. A duration such as `250ms`, `2s`, `5m`.")
  @Default(RoutingDefaults.BREAKER_WINDOW)
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String window;

  @JsonPropertyDescription(
      "How long the breaker stays open before a trial call. A duration such as `250ms`, `2s`, `5m`.")
  @Default(RoutingDefaults.OPEN_FOR)
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String openFor;

  public Integer getFailureRateThreshold() {
    return failureRateThreshold;
  }

  public void setFailureRateThreshold(Integer failureRateThreshold) {
    this.failureRateThreshold = failureRateThreshold;
  }

  public String getSlowCallThreshold() {
    return slowCallThreshold;
  }

  public void setSlowCallThreshold(String slowCallThreshold) {
    this.slowCallThreshold = slowCallThreshold;
  }

  public Integer getMinimumCalls() {
    return minimumCalls;
  }

  public void setMinimumCalls(Integer minimumCalls) {
    this.minimumCalls = minimumCalls;
  }

  public String getWindow() {
    return window;
  }

  public void setWindow(String window) {
    this.window = window;
  }

  public String getOpenFor() {
    return openFor;
  }

  public void setOpenFor(String openFor) {
    this.openFor = openFor;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CircuitBreakerSpec)) {
      return false;
    }
    CircuitBreakerSpec that = (CircuitBreakerSpec) o;
    return Objects.equals(failureRateThreshold, that.failureRateThreshold)
        && Objects.equals(slowCallThreshold, that.slowCallThreshold)
        && Objects.equals(minimumCalls, that.minimumCalls)
        && Objects.equals(window, that.window)
        && Objects.equals(openFor, that.openFor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(failureRateThreshold, slowCallThreshold, minimumCalls, window, openFor);
  }

  @Override
  public String toString() {
    return "CircuitBreakerSpec{"
        + "failureRateThreshold="
        + failureRateThreshold
        + ", slowCallThreshold="
        + slowCallThreshold
        + ", minimumCalls="
        + minimumCalls
        + ", window="
        + window
        + ", openFor="
        + openFor
        + "}";
  }
}
