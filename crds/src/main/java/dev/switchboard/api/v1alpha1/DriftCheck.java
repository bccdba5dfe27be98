package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A scheduled check that replays prompts and flags output drift. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftCheck {

  @JsonPropertyDescription("Cron schedule (5 fields, UTC) of the check.")
  @Required
  @Pattern(SchemaPatterns.CRON)
  @Size(max = 128)
  private String schedule;

  @JsonPropertyDescription("ConfigMap whose entries are the prompts to replay.")
  @Required
  private LocalObjectRef promptsConfigMapRef;

  @JsonPropertyDescription("Normalised Levenshtein distance above which an answer has drifted.")
  @Default("0.15")
  @Min(0)
  @Max(1)
  private Double maxNormalizedDistance;

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public LocalObjectRef getPromptsConfigMapRef() {
    return promptsConfigMapRef;
  }

  public void setPromptsConfigMapRef(LocalObjectRef promptsConfigMapRef) {
    this.promptsConfigMapRef = promptsConfigMapRef;
  }

  public Double getMaxNormalizedDistance() {
    return maxNormalizedDistance;
  }

  public void setMaxNormalizedDistance(Double maxNormalizedDistance) {
    this.maxNormalizedDistance = maxNormalizedDistance;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DriftCheck)) {
      return false;
    }
    DriftCheck that = (DriftCheck) o;
    return Objects.equals(schedule, that.schedule)
        && Objects.equals(promptsConfigMapRef, that.promptsConfigMapRef)
        && Objects.equals(maxNormalizedDistance, that.maxNormalizedDistance);
  }

  @Override
  public int hashCode() {
    return Objects.hash(schedule, promptsConfigMapRef, maxNormalizedDistance);
  }

  @Override
  public String toString() {
    return "DriftCheck{"
        + "schedule="
        + schedule
        + ", promptsConfigMapRef="
        + promptsConfigMapRef
        + ", maxNormalizedDistance="
        + maxNormalizedDistance
        + "}";
  }
}
