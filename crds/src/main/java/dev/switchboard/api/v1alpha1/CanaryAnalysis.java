package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** Thresholds that decide whether a canary step passes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CanaryAnalysis {

  @JsonPropertyDescription("Time between analysis runs. A duration such as `250ms`, `2s`, `5m`.")
  @Default("30s")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String interval;

  @JsonPropertyDescription("Canary requests needed before a verdict.")
  @Default("50")
  @Min(1)
  @Max(1000000)
  private Integer minRequests;

  @JsonPropertyDescription("Highest acceptable canary error rate (absolute, 0-1).")
  @Default("0.02")
  @Min(0)
  @Max(1)
  private Double maxErrorRate;

  @JsonPropertyDescription("Highest acceptable canary p95 latency divided by stable p95 latency.")
  @Default("1.5")
  @Min(1)
  @Max(100)
  private Double maxLatencyP95Ratio;

  @JsonPropertyDescription(
      "Highest acceptable canary mean output tokens divided by stable's (verbosity drift).")
  @Default("1.5")
  @Min(1)
  @Max(100)
  private Double maxOutputTokensRatio;

  @JsonPropertyDescription(
      "Highest acceptable increase of the refusal rate over stable (absolute, 0-1).")
  @Default("0.05")
  @Min(0)
  @Max(1)
  private Double maxRefusalRateIncrease;

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }

  public Integer getMinRequests() {
    return minRequests;
  }

  public void setMinRequests(Integer minRequests) {
    this.minRequests = minRequests;
  }

  public Double getMaxErrorRate() {
    return maxErrorRate;
  }

  public void setMaxErrorRate(Double maxErrorRate) {
    this.maxErrorRate = maxErrorRate;
  }

  public Double getMaxLatencyP95Ratio() {
    return maxLatencyP95Ratio;
  }

  public void setMaxLatencyP95Ratio(Double maxLatencyP95Ratio) {
    this.maxLatencyP95Ratio = maxLatencyP95Ratio;
  }

  public Double getMaxOutputTokensRatio() {
    return maxOutputTokensRatio;
  }

  public void setMaxOutputTokensRatio(Double maxOutputTokensRatio) {
    this.maxOutputTokensRatio = maxOutputTokensRatio;
  }

  public Double getMaxRefusalRateIncrease() {
    return maxRefusalRateIncrease;
  }

  public void setMaxRefusalRateIncrease(Double maxRefusalRateIncrease) {
    this.maxRefusalRateIncrease = maxRefusalRateIncrease;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CanaryAnalysis)) {
      return false;
    }
    CanaryAnalysis that = (CanaryAnalysis) o;
    return Objects.equals(interval, that.interval)
        && Objects.equals(minRequests, that.minRequests)
        && Objects.equals(maxErrorRate, that.maxErrorRate)
        && Objects.equals(maxLatencyP95Ratio, that.maxLatencyP95Ratio)
        && Objects.equals(maxOutputTokensRatio, that.maxOutputTokensRatio)
        && Objects.equals(maxRefusalRateIncrease, that.maxRefusalRateIncrease);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        interval,
        minRequests,
        maxErrorRate,
        maxLatencyP95Ratio,
        maxOutputTokensRatio,
        maxRefusalRateIncrease);
  }

  @Override
  public String toString() {
    return "CanaryAnalysis{"
        + "interval="
        + interval
        + ", minRequests="
        + minRequests
        + ", maxErrorRate="
        + maxErrorRate
        + ", maxLatencyP95Ratio="
        + maxLatencyP95Ratio
        + ", maxOutputTokensRatio="
        + maxOutputTokensRatio
        + ", maxRefusalRateIncrease="
        + maxRefusalRateIncrease
        + "}";
  }
}
