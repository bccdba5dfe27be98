package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;
import java.util.Objects;

/** One arm's counts over a canary step, as the analysis sums them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ArmCounts {

  @JsonPropertyDescription("Upstream attempts that count for the arm.")
  private Long requests;

  @JsonPropertyDescription("Failed attempts among them.")
  private Long errors;

  @JsonPropertyDescription("Requests the arm answered.")
  private Long answered;

  @JsonPropertyDescription("Output tokens reported.")
  private Double outputTokens;

  @JsonPropertyDescription("Answers that reported output tokens.")
  private Long outputTokenReports;

  @JsonPropertyDescription("Refusals among the answers.")
  private Long refusals;

  @JsonPropertyDescription(
      "Cumulative latency histogram: upper bound in seconds (or +Inf) to count; only the bounds"
          + " where the count grows.")
  private Map<String, Long> latency;

  @JsonPropertyDescription("Cumulative time-to-first-token histogram, as latency.")
  private Map<String, Long> ttft;

  public Long getRequests() {
    return requests;
  }

  public void setRequests(Long requests) {
    this.requests = requests;
  }

  public Long getErrors() {
    return errors;
  }

  public void setErrors(Long errors) {
    this.errors = errors;
  }

  public Long getAnswered() {
    return answered;
  }

  public void setAnswered(Long answered) {
    this.answered = answered;
  }

  public Double getOutputTokens() {
    return outputTokens;
  }

  public void setOutputTokens(Double outputTokens) {
    this.outputTokens = outputTokens;
  }

  public Long getOutputTokenReports() {
    return outputTokenReports;
  }

  public void setOutputTokenReports(Long outputTokenReports) {
    this.outputTokenReports = outputTokenReports;
  }

  public Long getRefusals() {
    return refusals;
  }

  public void setRefusals(Long refusals) {
    this.refusals = refusals;
  }

  public Map<String, Long> getLatency() {
    return latency;
  }

  public void setLatency(Map<String, Long> latency) {
    this.latency = latency;
  }

  public Map<String, Long> getTtft() {
    return ttft;
  }

  public void setTtft(Map<String, Long> ttft) {
    this.ttft = ttft;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ArmCounts that
        && Objects.equals(requests, that.requests)
        && Objects.equals(errors, that.errors)
        && Objects.equals(answered, that.answered)
        && Objects.equals(outputTokens, that.outputTokens)
        && Objects.equals(outputTokenReports, that.outputTokenReports)
        && Objects.equals(refusals, that.refusals)
        && Objects.equals(latency, that.latency)
        && Objects.equals(ttft, that.ttft);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        requests, errors, answered, outputTokens, outputTokenReports, refusals, latency, ttft);
  }

  @Override
  public String toString() {
    return "ArmCounts{requests=" + requests + ", errors=" + errors + ", answered=" + answered + "}";
  }
}
