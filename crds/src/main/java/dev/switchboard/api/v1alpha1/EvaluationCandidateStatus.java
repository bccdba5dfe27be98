package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** One candidate's figures against the baseline, each with a 95 % interval, and its verdict. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationCandidateStatus {

  @JsonPropertyDescription("provider/model of the candidate.")
  private String target;

  @JsonPropertyDescription("Sampled requests.")
  private Long requests;

  @JsonPropertyDescription("Requests both arms answered (the ratios are computed on these).")
  private Long pairs;

  @JsonPropertyDescription(
      "Mirrors skipped (never sent: no key, quota or bulkhead exhausted): counted neither as"
          + " requests nor as failures.")
  private MirrorsSkipped skipped;

  @JsonPropertyDescription("Mean output tokens, candidate over baseline.")
  private Interval outputTokensRatio;

  @JsonPropertyDescription("Mean words per answer, candidate over baseline.")
  private Interval wordsRatio;

  @JsonPropertyDescription("Mean sentences per answer, candidate over baseline.")
  private Interval sentencesRatio;

  @JsonPropertyDescription("Mean time to first token, candidate over baseline.")
  private Interval ttftRatio;

  @JsonPropertyDescription("Mean latency, candidate over baseline.")
  private Interval latencyRatio;

  @JsonPropertyDescription("Mean cost per answer, candidate over baseline.")
  private Interval costRatio;

  @JsonPropertyDescription("Refusal rate, candidate minus baseline.")
  private Interval refusalRateDelta;

  @JsonPropertyDescription("Error rate, candidate minus baseline.")
  private Interval errorRateDelta;

  @JsonPropertyDescription(
      "The main finding: NoMaterialChange, VerbosityUp, VerbosityDown, RefusalsUp, RefusalsDown, ErrorsUp, SlowerTTFT, CostUp, CostDown or InsufficientSample.")
  private String verdict;

  @JsonPropertyDescription("Every finding, most important first.")
  private List<String> verdicts;

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

  public Long getPairs() {
    return pairs;
  }

  public void setPairs(Long pairs) {
    this.pairs = pairs;
  }

  public MirrorsSkipped getSkipped() {
    return skipped;
  }

  public void setSkipped(MirrorsSkipped skipped) {
    this.skipped = skipped;
  }

  public Interval getOutputTokensRatio() {
    return outputTokensRatio;
  }

  public void setOutputTokensRatio(Interval outputTokensRatio) {
    this.outputTokensRatio = outputTokensRatio;
  }

  public Interval getWordsRatio() {
    return wordsRatio;
  }

  public void setWordsRatio(Interval wordsRatio) {
    this.wordsRatio = wordsRatio;
  }

  public Interval getSentencesRatio() {
    return sentencesRatio;
  }

  public void setSentencesRatio(Interval sentencesRatio) {
    this.sentencesRatio = sentencesRatio;
  }

  public Interval getTtftRatio() {
    return ttftRatio;
  }

  public void setTtftRatio(Interval ttftRatio) {
    this.ttftRatio = ttftRatio;
  }

  public Interval getLatencyRatio() {
    return latencyRatio;
  }

  public void setLatencyRatio(Interval latencyRatio) {
    this.latencyRatio = latencyRatio;
  }

  public Interval getCostRatio() {
    return costRatio;
  }

  public void setCostRatio(Interval costRatio) {
    this.costRatio = costRatio;
  }

  public Interval getRefusalRateDelta() {
    return refusalRateDelta;
  }

  public void setRefusalRateDelta(Interval refusalRateDelta) {
    this.refusalRateDelta = refusalRateDelta;
  }

  public Interval getErrorRateDelta() {
    return errorRateDelta;
  }

  public void setErrorRateDelta(Interval errorRateDelta) {
    this.errorRateDelta = errorRateDelta;
  }

  public String getVerdict() {
    return verdict;
  }

  public void setVerdict(String verdict) {
    this.verdict = verdict;
  }

  public List<String> getVerdicts() {
    return verdicts;
  }

  public void setVerdicts(List<String> verdicts) {
    this.verdicts = verdicts;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationCandidateStatus that
        && Objects.equals(target, that.target)
        && Objects.equals(requests, that.requests)
        && Objects.equals(pairs, that.pairs)
        && Objects.equals(skipped, that.skipped)
        && Objects.equals(outputTokensRatio, that.outputTokensRatio)
        && Objects.equals(wordsRatio, that.wordsRatio)
        && Objects.equals(sentencesRatio, that.sentencesRatio)
        && Objects.equals(ttftRatio, that.ttftRatio)
        && Objects.equals(latencyRatio, that.latencyRatio)
        && Objects.equals(costRatio, that.costRatio)
        && Objects.equals(refusalRateDelta, that.refusalRateDelta)
        && Objects.equals(errorRateDelta, that.errorRateDelta)
        && Objects.equals(verdict, that.verdict)
        && Objects.equals(verdicts, that.verdicts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        target,
        requests,
        pairs,
        skipped,
        outputTokensRatio,
        wordsRatio,
        sentencesRatio,
        ttftRatio,
        latencyRatio,
        costRatio,
        refusalRateDelta,
        errorRateDelta,
        verdict,
        verdicts);
  }

  @Override
  public String toString() {
    return "EvaluationCandidateStatus{"
        + "target="
        + target
        + ", requests="
        + requests
        + ", pairs="
        + pairs
        + ", skipped="
        + skipped
        + ", outputTokensRatio="
        + outputTokensRatio
        + ", wordsRatio="
        + wordsRatio
        + ", sentencesRatio="
        + sentencesRatio
        + ", ttftRatio="
        + ttftRatio
        + ", latencyRatio="
        + latencyRatio
        + ", costRatio="
        + costRatio
        + ", refusalRateDelta="
        + refusalRateDelta
        + ", errorRateDelta="
        + errorRateDelta
        + ", verdict="
        + verdict
        + ", verdicts="
        + verdicts
        + "}";
  }
}
