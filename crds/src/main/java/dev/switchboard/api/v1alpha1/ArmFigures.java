package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Metrics of one arm (canary or stable) over the analysis window. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ArmFigures {

  @JsonPropertyDescription("Requests observed.")
  private Long requests;

  @JsonPropertyDescription("Share of failed requests, 0-1.")
  private Double errorRate;

  @JsonPropertyDescription("95th percentile latency, as a duration.")
  private String latencyP95;

  @JsonPropertyDescription("Mean output tokens per request.")
  private Double outputTokens;

  @JsonPropertyDescription("Share of refused requests, 0-1.")
  private Double refusalRate;

  public Long getRequests() {
    return requests;
  }

  public void setRequests(Long requests) {
    this.requests = requests;
  }

  public Double getErrorRate() {
    return errorRate;
  }

  public void setErrorRate(Double errorRate) {
    this.errorRate = errorRate;
  }

  public String getLatencyP95() {
    return latencyP95;
  }

  public void setLatencyP95(String latencyP95) {
    this.latencyP95 = latencyP95;
  }

  public Double getOutputTokens() {
    return outputTokens;
  }

  public void setOutputTokens(Double outputTokens) {
    this.outputTokens = outputTokens;
  }

  public Double getRefusalRate() {
    return refusalRate;
  }

  public void setRefusalRate(Double refusalRate) {
    this.refusalRate = refusalRate;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ArmFigures)) {
      return false;
    }
    ArmFigures that = (ArmFigures) o;
    return Objects.equals(requests, that.requests)
        && Objects.equals(errorRate, that.errorRate)
        && Objects.equals(latencyP95, that.latencyP95)
        && Objects.equals(outputTokens, that.outputTokens)
        && Objects.equals(refusalRate, that.refusalRate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requests, errorRate, latencyP95, outputTokens, refusalRate);
  }

  @Override
  public String toString() {
    return "ArmFigures{"
        + "requests="
        + requests
        + ", errorRate="
        + errorRate
        + ", latencyP95="
        + latencyP95
        + ", outputTokens="
        + outputTokens
        + ", refusalRate="
        + refusalRate
        + "}";
  }
}
