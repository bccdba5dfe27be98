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
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** How the gateway probes a provider endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.timeout) || !has(self.interval) || duration(self.timeout) <= duration(self.interval)",
    message = "timeout must not exceed interval")
public class HealthCheck {

  public static final String DEFAULT_INTERVAL = RoutingDefaults.HEALTH_INTERVAL;

  /**
   * What an absent {@code timeout} means, capped at {@code interval}. Not a schema default: the API
   * server applies defaults before CEL rules, so {@code interval: 2s} would be refused against it.
   */
  public static final String DEFAULT_TIMEOUT = RoutingDefaults.HEALTH_TIMEOUT;

  @JsonPropertyDescription("Time between probes. A duration such as `250ms`, `2s`, `5m`.")
  @Default(DEFAULT_INTERVAL)
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String interval;

  @JsonPropertyDescription(
      "Time a probe may take before it counts as failed. A duration such as `250ms`, `2s`, `5m`."
          + " Absent: "
          + RoutingDefaults.HEALTH_TIMEOUT
          + ", or interval if that is shorter.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String timeout;

  @JsonPropertyDescription("Consecutive failed probes that mark the endpoint unhealthy.")
  @Default("" + RoutingDefaults.UNHEALTHY_THRESHOLD)
  @Min(1)
  @Max(100)
  private Integer unhealthyThreshold;

  @JsonPropertyDescription("Consecutive successful probes that mark the endpoint healthy again.")
  @Default("" + RoutingDefaults.HEALTHY_THRESHOLD)
  @Min(1)
  @Max(100)
  private Integer healthyThreshold;

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }

  public String getTimeout() {
    return timeout;
  }

  public void setTimeout(String timeout) {
    this.timeout = timeout;
  }

  public Integer getUnhealthyThreshold() {
    return unhealthyThreshold;
  }

  public void setUnhealthyThreshold(Integer unhealthyThreshold) {
    this.unhealthyThreshold = unhealthyThreshold;
  }

  public Integer getHealthyThreshold() {
    return healthyThreshold;
  }

  public void setHealthyThreshold(Integer healthyThreshold) {
    this.healthyThreshold = healthyThreshold;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HealthCheck)) {
      return false;
    }
    HealthCheck that = (HealthCheck) o;
    return Objects.equals(interval, that.interval)
        && Objects.equals(timeout, that.timeout)
        && Objects.equals(unhealthyThreshold, that.unhealthyThreshold)
        && Objects.equals(healthyThreshold, that.healthyThreshold);
  }

  @Override
  public int hashCode() {
    return Objects.hash(interval, timeout, unhealthyThreshold, healthyThreshold);
  }

  @Override
  public String toString() {
    return "HealthCheck{"
        + "interval="
        + interval
        + ", timeout="
        + timeout
        + ", unhealthyThreshold="
        + unhealthyThreshold
        + ", healthyThreshold="
        + healthyThreshold
        + "}";
  }
}
