package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/**
 * Schedule state and outcome of the drift check (kept in status so a restarted operator resumes
 * it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftStatus {

  @JsonPropertyDescription(
      "RFC 3339 time of the last completed run (one in which at least one target answered and every request found a gateway replica).")
  private String lastRun;

  @JsonPropertyDescription(
      "RFC 3339 time of the last attempt to run, completed or not (no target answered).")
  private String lastAttempt;

  @JsonPropertyDescription(
      "Attempts in a row in which no target answered (gateway unreachable, route not served, every request an error) or a request found no gateway replica (none up yet, or gone); absent once a run completes.")
  private Integer failedAttempts;

  @JsonPropertyDescription(
      "RFC 3339 time of the next attempt after a failed one (backoff 1, 2, 4 ... minutes, at most 15 and never after the next scheduled run); absent when none is pending.")
  private String retryAt;

  @JsonPropertyDescription(
      "RFC 3339 schedule time the last run was for; a missed schedule time after it runs once.")
  private String lastScheduled;

  @JsonPropertyDescription("RFC 3339 time of the next scheduled run.")
  private String nextRun;

  @JsonPropertyDescription("Requests the last run sent.")
  private Integer requests;

  @JsonPropertyDescription("What limited or failed the last run or attempt, if anything.")
  private String message;

  @JsonPropertyDescription(
      "The value of the switchboard.dev/drift-rebaseline annotation the last new baseline was taken for.")
  private String rebaseline;

  @JsonPropertyDescription("Per route and target results of the last completed run.")
  private List<DriftResult> results;

  public String getLastRun() {
    return lastRun;
  }

  public void setLastRun(String lastRun) {
    this.lastRun = lastRun;
  }

  public String getLastAttempt() {
    return lastAttempt;
  }

  public void setLastAttempt(String lastAttempt) {
    this.lastAttempt = lastAttempt;
  }

  public Integer getFailedAttempts() {
    return failedAttempts;
  }

  public void setFailedAttempts(Integer failedAttempts) {
    this.failedAttempts = failedAttempts;
  }

  public String getRetryAt() {
    return retryAt;
  }

  public void setRetryAt(String retryAt) {
    this.retryAt = retryAt;
  }

  public String getLastScheduled() {
    return lastScheduled;
  }

  public void setLastScheduled(String lastScheduled) {
    this.lastScheduled = lastScheduled;
  }

  public String getNextRun() {
    return nextRun;
  }

  public void setNextRun(String nextRun) {
    this.nextRun = nextRun;
  }

  public Integer getRequests() {
    return requests;
  }

  public void setRequests(Integer requests) {
    this.requests = requests;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getRebaseline() {
    return rebaseline;
  }

  public void setRebaseline(String rebaseline) {
    this.rebaseline = rebaseline;
  }

  public List<DriftResult> getResults() {
    return results;
  }

  public void setResults(List<DriftResult> results) {
    this.results = results;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DriftStatus)) {
      return false;
    }
    DriftStatus that = (DriftStatus) o;
    return Objects.equals(lastRun, that.lastRun)
        && Objects.equals(lastAttempt, that.lastAttempt)
        && Objects.equals(failedAttempts, that.failedAttempts)
        && Objects.equals(retryAt, that.retryAt)
        && Objects.equals(lastScheduled, that.lastScheduled)
        && Objects.equals(nextRun, that.nextRun)
        && Objects.equals(requests, that.requests)
        && Objects.equals(message, that.message)
        && Objects.equals(rebaseline, that.rebaseline)
        && Objects.equals(results, that.results);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        lastRun,
        lastAttempt,
        failedAttempts,
        retryAt,
        lastScheduled,
        nextRun,
        requests,
        message,
        rebaseline,
        results);
  }

  @Override
  public String toString() {
    return "DriftStatus{"
        + "lastRun="
        + lastRun
        + ", lastAttempt="
        + lastAttempt
        + ", failedAttempts="
        + failedAttempts
        + ", retryAt="
        + retryAt
        + ", lastScheduled="
        + lastScheduled
        + ", nextRun="
        + nextRun
        + ", requests="
        + requests
        + ", message="
        + message
        + ", rebaseline="
        + rebaseline
        + ", results="
        + results
        + "}";
  }
}
