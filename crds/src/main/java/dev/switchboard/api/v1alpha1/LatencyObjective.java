package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** The latency target cost-aware strategies must respect. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LatencyObjective {

  @JsonPropertyDescription(
      "95th percentile time to first token a target must stay under. A duration such as `250ms`, `2s`, `5m`.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String ttftP95;

  public String getTtftP95() {
    return ttftP95;
  }

  public void setTtftP95(String ttftP95) {
    this.ttftP95 = ttftP95;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LatencyObjective)) {
      return false;
    }
    LatencyObjective that = (LatencyObjective) o;
    return Objects.equals(ttftP95, that.ttftP95);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ttftP95);
  }

  @Override
  public String toString() {
    return "LatencyObjective{" + "ttftP95=" + ttftP95 + "}";
  }
}
