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

/** A scheduled check that replays prompts through the gateway and flags output drift. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftCheck {

  @JsonPropertyDescription(
      "Cron schedule (5 fields or an @daily-style macro) of the check, in timeZone.")
  @Required
  @Pattern(SchemaPatterns.CRON)
  @Size(max = 128)
  private String schedule;

  @JsonPropertyDescription("IANA time zone the schedule is read in, e.g. Europe/Berlin.")
  @Default("UTC")
  @Pattern(SchemaPatterns.TIME_ZONE)
  @Size(max = 64)
  private String timeZone;

  @JsonPropertyDescription(
      "ConfigMap whose entries are the prompts to replay (one prompt per key).")
  @Required
  private LocalObjectRef promptsConfigMapRef;

  @JsonPropertyDescription(
      "Answers per prompt and target; the agreement rate is how often all of them are equal. 1 compares one answer with the baseline but cannot tell a target whose answers vary on their own (reproducible, agreement) from one that drifted: use 2 or more (default 3).")
  @Default("3")
  @Min(1)
  @Max(10)
  private Integer samples;

  @JsonPropertyDescription(
      "Normalised Levenshtein distance to the baseline above which an answer has drifted.")
  @Default("0.15")
  @Min(0)
  @Max(1)
  private Double maxNormalizedDistance;

  @JsonPropertyDescription(
      "Budget: the most requests one run sends (prompts x samples x targets); a run that would need more checks what fits and says so.")
  @Default("500")
  @Min(1)
  @Max(100000)
  private Integer maxRequests;

  @JsonPropertyDescription("Requests of one run in flight at once.")
  @Default("4")
  @Min(1)
  @Max(32)
  private Integer concurrency;

  @JsonPropertyDescription(
      "Hold the canary promotion of the routes using this policy while the drift check reports drift.")
  @Default("false")
  private Boolean holdCanary;

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public String getTimeZone() {
    return timeZone;
  }

  public void setTimeZone(String timeZone) {
    this.timeZone = timeZone;
  }

  public LocalObjectRef getPromptsConfigMapRef() {
    return promptsConfigMapRef;
  }

  public void setPromptsConfigMapRef(LocalObjectRef promptsConfigMapRef) {
    this.promptsConfigMapRef = promptsConfigMapRef;
  }

  public Integer getSamples() {
    return samples;
  }

  public void setSamples(Integer samples) {
    this.samples = samples;
  }

  public Double getMaxNormalizedDistance() {
    return maxNormalizedDistance;
  }

  public void setMaxNormalizedDistance(Double maxNormalizedDistance) {
    this.maxNormalizedDistance = maxNormalizedDistance;
  }

  public Integer getMaxRequests() {
    return maxRequests;
  }

  public void setMaxRequests(Integer maxRequests) {
    this.maxRequests = maxRequests;
  }

  public Integer getConcurrency() {
    return concurrency;
  }

  public void setConcurrency(Integer concurrency) {
    this.concurrency = concurrency;
  }

  public Boolean getHoldCanary() {
    return holdCanary;
  }

  public void setHoldCanary(Boolean holdCanary) {
    this.holdCanary = holdCanary;
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
        && Objects.equals(timeZone, that.timeZone)
        && Objects.equals(promptsConfigMapRef, that.promptsConfigMapRef)
        && Objects.equals(samples, that.samples)
        && Objects.equals(maxNormalizedDistance, that.maxNormalizedDistance)
        && Objects.equals(maxRequests, that.maxRequests)
        && Objects.equals(concurrency, that.concurrency)
        && Objects.equals(holdCanary, that.holdCanary);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        schedule,
        timeZone,
        promptsConfigMapRef,
        samples,
        maxNormalizedDistance,
        maxRequests,
        concurrency,
        holdCanary);
  }

  @Override
  public String toString() {
    return "DriftCheck{"
        + "schedule="
        + schedule
        + ", timeZone="
        + timeZone
        + ", promptsConfigMapRef="
        + promptsConfigMapRef
        + ", samples="
        + samples
        + ", maxNormalizedDistance="
        + maxNormalizedDistance
        + ", maxRequests="
        + maxRequests
        + ", concurrency="
        + concurrency
        + ", holdCanary="
        + holdCanary
        + "}";
  }
}
