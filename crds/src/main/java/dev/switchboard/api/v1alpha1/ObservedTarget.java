package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * One target's live figures in {@code ModelRoute.status.observed}: what the gateway replicas saw
 * over their routing window, merged by the operator (the cost-observation loop's figures).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObservedTarget {

  @JsonPropertyDescription("The target, provider/model.")
  private String target;

  @JsonPropertyDescription("Requests it answered over the window, summed over the replicas.")
  private Long requests;

  @JsonPropertyDescription(
      "Time to first token p95 of its streams, e.g. 640ms: the replicas' p95s averaged by their"
          + " requests (an approximation of the fleet's p95). Absent without streams.")
  private String ttftP95;

  @JsonPropertyDescription(
      "Whole-request latency p95, e.g. 1.2s, averaged over the replicas like ttftP95.")
  private String latencyP95;

  @JsonPropertyDescription(
      "Output tokens per second of its streams, averaged over the replicas by requests.")
  private Double tokensPerSecond;

  @JsonPropertyDescription("Cost of 1,000 of its requests in USD (summed cost / requests x 1000).")
  private Double costPer1kRequests;

  @JsonPropertyDescription("Share of its requests that failed, 0..1 (summed errors / requests).")
  private Double errorRate;

  @JsonPropertyDescription(
      "Share of the route's requests it answered, 0..1 (its requests / the route's, all replicas).")
  private Double chosenShare;

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public Long getRequests() {
    return requests;
  }

  public void setRequests(Long requests) {
    this.requests = requests;
  }

  public String getTtftP95() {
    return ttftP95;
  }

  public void setTtftP95(String ttftP95) {
    this.ttftP95 = ttftP95;
  }

  public String getLatencyP95() {
    return latencyP95;
  }

  public void setLatencyP95(String latencyP95) {
    this.latencyP95 = latencyP95;
  }

  public Double getTokensPerSecond() {
    return tokensPerSecond;
  }

  public void setTokensPerSecond(Double tokensPerSecond) {
    this.tokensPerSecond = tokensPerSecond;
  }

  public Double getCostPer1kRequests() {
    return costPer1kRequests;
  }

  public void setCostPer1kRequests(Double costPer1kRequests) {
    this.costPer1kRequests = costPer1kRequests;
  }

  public Double getErrorRate() {
    return errorRate;
  }

  public void setErrorRate(Double errorRate) {
    this.errorRate = errorRate;
  }

  public Double getChosenShare() {
    return chosenShare;
  }

  public void setChosenShare(Double chosenShare) {
    this.chosenShare = chosenShare;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ObservedTarget)) {
      return false;
    }
    ObservedTarget that = (ObservedTarget) o;
    return Objects.equals(target, that.target)
        && Objects.equals(requests, that.requests)
        && Objects.equals(ttftP95, that.ttftP95)
        && Objects.equals(latencyP95, that.latencyP95)
        && Objects.equals(tokensPerSecond, that.tokensPerSecond)
        && Objects.equals(costPer1kRequests, that.costPer1kRequests)
        && Objects.equals(errorRate, that.errorRate)
        && Objects.equals(chosenShare, that.chosenShare);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        target,
        requests,
        ttftP95,
        latencyP95,
        tokensPerSecond,
        costPer1kRequests,
        errorRate,
        chosenShare);
  }

  @Override
  public String toString() {
    return "ObservedTarget{target="
        + target
        + ", requests="
        + requests
        + ", ttftP95="
        + ttftP95
        + ", latencyP95="
        + latencyP95
        + ", tokensPerSecond="
        + tokensPerSecond
        + ", costPer1kRequests="
        + costPer1kRequests
        + ", errorRate="
        + errorRate
        + ", chosenShare="
        + chosenShare
        + "}";
  }
}
