package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * What the baseline (the route's first planned target, replayed) answered on the sampled requests.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationBaseline {

  @JsonPropertyDescription("provider/model of the baseline.")
  private String target;

  @JsonPropertyDescription("Sampled requests.")
  private Long requests;

  @JsonPropertyDescription("Mean output tokens per answer.")
  private Double outputTokensMean;

  @JsonPropertyDescription("Mean words per answer.")
  private Double wordsPerAnswer;

  @JsonPropertyDescription("Mean sentences per answer.")
  private Double sentencesPerAnswer;

  @JsonPropertyDescription("Share of answers that were refusals (structured or plain text), 0-1.")
  private Double refusalRate;

  @JsonPropertyDescription("Share of sampled requests that failed, 0-1.")
  private Double errorRate;

  @JsonPropertyDescription("Mean time to first token, milliseconds.")
  private Double ttftMeanMs;

  @JsonPropertyDescription("Mean time to the full answer, milliseconds.")
  private Double latencyMeanMs;

  @JsonPropertyDescription("Cost of 1000 answers in USD (absent without pricing).")
  private Double costPer1kRequests;

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

  public Double getOutputTokensMean() {
    return outputTokensMean;
  }

  public void setOutputTokensMean(Double outputTokensMean) {
    this.outputTokensMean = outputTokensMean;
  }

  public Double getWordsPerAnswer() {
    return wordsPerAnswer;
  }

  public void setWordsPerAnswer(Double wordsPerAnswer) {
    this.wordsPerAnswer = wordsPerAnswer;
  }

  public Double getSentencesPerAnswer() {
    return sentencesPerAnswer;
  }

  public void setSentencesPerAnswer(Double sentencesPerAnswer) {
    this.sentencesPerAnswer = sentencesPerAnswer;
  }

  public Double getRefusalRate() {
    return refusalRate;
  }

  public void setRefusalRate(Double refusalRate) {
    this.refusalRate = refusalRate;
  }

  public Double getErrorRate() {
    return errorRate;
  }

  public void setErrorRate(Double errorRate) {
    this.errorRate = errorRate;
  }

  public Double getTtftMeanMs() {
    return ttftMeanMs;
  }

  public void setTtftMeanMs(Double ttftMeanMs) {
    this.ttftMeanMs = ttftMeanMs;
  }

  public Double getLatencyMeanMs() {
    return latencyMeanMs;
  }

  public void setLatencyMeanMs(Double latencyMeanMs) {
    this.latencyMeanMs = latencyMeanMs;
  }

  public Double getCostPer1kRequests() {
    return costPer1kRequests;
  }

  public void setCostPer1kRequests(Double costPer1kRequests) {
    this.costPer1kRequests = costPer1kRequests;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationBaseline that
        && Objects.equals(target, that.target)
        && Objects.equals(requests, that.requests)
        && Objects.equals(outputTokensMean, that.outputTokensMean)
        && Objects.equals(wordsPerAnswer, that.wordsPerAnswer)
        && Objects.equals(sentencesPerAnswer, that.sentencesPerAnswer)
        && Objects.equals(refusalRate, that.refusalRate)
        && Objects.equals(errorRate, that.errorRate)
        && Objects.equals(ttftMeanMs, that.ttftMeanMs)
        && Objects.equals(latencyMeanMs, that.latencyMeanMs)
        && Objects.equals(costPer1kRequests, that.costPer1kRequests);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        target,
        requests,
        outputTokensMean,
        wordsPerAnswer,
        sentencesPerAnswer,
        refusalRate,
        errorRate,
        ttftMeanMs,
        latencyMeanMs,
        costPer1kRequests);
  }

  @Override
  public String toString() {
    return "EvaluationBaseline{"
        + "target="
        + target
        + ", requests="
        + requests
        + ", outputTokensMean="
        + outputTokensMean
        + ", wordsPerAnswer="
        + wordsPerAnswer
        + ", sentencesPerAnswer="
        + sentencesPerAnswer
        + ", refusalRate="
        + refusalRate
        + ", errorRate="
        + errorRate
        + ", ttftMeanMs="
        + ttftMeanMs
        + ", latencyMeanMs="
        + latencyMeanMs
        + ", costPer1kRequests="
        + costPer1kRequests
        + "}";
  }
}
