package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingTable;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/**
 * Side-by-side evaluation of candidate models on a sample of live traffic; candidates never answer
 * clients.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationSpec {

  /**
   * The opt-out label's default before it became {@link
   * RoutingTable.Evaluation#DEFAULT_NO_MIRROR_LABEL}: no Consumer could carry it (its key breaks
   * the label-key rule), so it is still accepted, and read as the new default, rather than make
   * every stored route that the old schema defaulted refuse its next update.
   */
  public static final String LEGACY_OPT_OUT_LABEL = "switchboard.dev/evaluation=opt-out";

  /** A label a Consumer can carry, or the legacy default. */
  public static final String OPT_OUT_LABEL_PATTERN =
      "^(" + ConsumerTable.LABEL_SELECTOR + "|switchboard\\.dev/evaluation=opt-out)$";

  @JsonPropertyDescription("Models each sampled request is also sent to.")
  @Required
  @Size(min = 1, max = 4)
  private List<EvaluationCandidate> candidates;

  @JsonPropertyDescription(
      "Share (0-1) of the route's chat requests mirrored to the baseline and every candidate.")
  @Default("0.1")
  @Min(0)
  @Max(1)
  private Double sample;

  @JsonPropertyDescription(
      "How long the evaluation runs (72h or more is the advice; any duration is allowed).")
  @Default("72h")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String duration;

  @JsonPropertyDescription("Where the runbook entries go.")
  @Default("{}")
  private EvaluationReport report;

  @JsonPropertyDescription(
      "Consumer label (name=value, or name alone for any value) whose requests are never"
          + " mirrored; name follows the Consumer's label-key rule (a letter, then letters, digits"
          + " or _, max 63).")
  @Default(RoutingTable.Evaluation.DEFAULT_NO_MIRROR_LABEL)
  @Pattern(OPT_OUT_LABEL_PATTERN)
  @Size(max = 320)
  private String optOutLabel;

  public List<EvaluationCandidate> getCandidates() {
    return candidates;
  }

  public void setCandidates(List<EvaluationCandidate> candidates) {
    this.candidates = candidates;
  }

  public Double getSample() {
    return sample;
  }

  public void setSample(Double sample) {
    this.sample = sample;
  }

  public String getDuration() {
    return duration;
  }

  public void setDuration(String duration) {
    this.duration = duration;
  }

  public EvaluationReport getReport() {
    return report;
  }

  public void setReport(EvaluationReport report) {
    this.report = report;
  }

  public String getOptOutLabel() {
    return optOutLabel;
  }

  public void setOptOutLabel(String optOutLabel) {
    this.optOutLabel = optOutLabel;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationSpec that
        && Objects.equals(candidates, that.candidates)
        && Objects.equals(sample, that.sample)
        && Objects.equals(duration, that.duration)
        && Objects.equals(report, that.report)
        && Objects.equals(optOutLabel, that.optOutLabel);
  }

  @Override
  public int hashCode() {
    return Objects.hash(candidates, sample, duration, report, optOutLabel);
  }

  @Override
  public String toString() {
    return "EvaluationSpec{"
        + "candidates="
        + candidates
        + ", sample="
        + sample
        + ", duration="
        + duration
        + ", report="
        + report
        + ", optOutLabel="
        + optOutLabel
        + "}";
  }
}
