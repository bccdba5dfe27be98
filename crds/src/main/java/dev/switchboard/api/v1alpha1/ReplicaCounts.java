package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * One gateway replica's cumulative counters of a route's arms where the canary analysis's next
 * window starts, kept in status so that a restarted operator counts its first window.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaCounts {

  @JsonPropertyDescription("Canary arm's cumulative counts on the replica.")
  private ArmCounts canary;

  @JsonPropertyDescription("Stable arm's cumulative counts on the replica.")
  private ArmCounts stable;

  public ArmCounts getCanary() {
    return canary;
  }

  public void setCanary(ArmCounts canary) {
    this.canary = canary;
  }

  public ArmCounts getStable() {
    return stable;
  }

  public void setStable(ArmCounts stable) {
    this.stable = stable;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplicaCounts that
        && Objects.equals(canary, that.canary)
        && Objects.equals(stable, that.stable);
  }

  @Override
  public int hashCode() {
    return Objects.hash(canary, stable);
  }

  @Override
  public String toString() {
    return "ReplicaCounts{canary=" + canary + ", stable=" + stable + "}";
  }
}
