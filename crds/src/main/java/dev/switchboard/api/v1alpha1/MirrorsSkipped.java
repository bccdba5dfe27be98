package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * Sampled requests whose evaluation mirrors were never sent (no key, quota or bulkhead exhausted):
 * neither requests nor failures of either model.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MirrorsSkipped {

  @JsonPropertyDescription(
      "Sampled requests whose baseline replay was not sent (its own key, quota or bulkhead, or no"
          + " candidate could be sent).")
  private Long baseline;

  @JsonPropertyDescription(
      "Sampled requests whose call to this candidate was not sent (its key, quota or bulkhead, or"
          + " the baseline's replay could not be sent).")
  private Long candidate;

  public MirrorsSkipped() {}

  public MirrorsSkipped(Long baseline, Long candidate) {
    this.baseline = baseline;
    this.candidate = candidate;
  }

  public Long getBaseline() {
    return baseline;
  }

  public void setBaseline(Long baseline) {
    this.baseline = baseline;
  }

  public Long getCandidate() {
    return candidate;
  }

  public void setCandidate(Long candidate) {
    this.candidate = candidate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MirrorsSkipped that
        && Objects.equals(baseline, that.baseline)
        && Objects.equals(candidate, that.candidate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(baseline, candidate);
  }

  @Override
  public String toString() {
    return "MirrorsSkipped{baseline=" + baseline + ", candidate=" + candidate + "}";
  }
}
