package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** Outcome of the last drift check. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftStatus {

  @JsonPropertyDescription("RFC 3339 time of the last run.")
  private String lastRun;

  @JsonPropertyDescription("Per route and target results.")
  private List<DriftResult> results;

  public String getLastRun() {
    return lastRun;
  }

  public void setLastRun(String lastRun) {
    this.lastRun = lastRun;
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
    return Objects.equals(lastRun, that.lastRun) && Objects.equals(results, that.results);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lastRun, results);
  }

  @Override
  public String toString() {
    return "DriftStatus{" + "lastRun=" + lastRun + ", results=" + results + "}";
  }
}
