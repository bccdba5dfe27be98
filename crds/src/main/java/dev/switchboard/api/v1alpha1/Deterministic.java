package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** The determinism contract: pinned seed and target. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Deterministic {

  @JsonPropertyDescription("Whether deterministic mode applies.")
  @Default("false")
  private Boolean enabled;

  @JsonPropertyDescription("Seed sent to providers that support one when the request has none.")
  @Min(0)
  private Long seed;

  @JsonPropertyDescription(
      "Answer 400 to a request without its own seed instead of injecting the configured one.")
  @Default("false")
  private Boolean requireSeed;

  @JsonPropertyDescription(
      "No weighted spread and no canary split; fail over only to targets serving the identical"
          + " model (same model id, and the same observed model version when known).")
  @Default("true")
  private Boolean pinTarget;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Long getSeed() {
    return seed;
  }

  public void setSeed(Long seed) {
    this.seed = seed;
  }

  public Boolean getRequireSeed() {
    return requireSeed;
  }

  public void setRequireSeed(Boolean requireSeed) {
    this.requireSeed = requireSeed;
  }

  public Boolean getPinTarget() {
    return pinTarget;
  }

  public void setPinTarget(Boolean pinTarget) {
    this.pinTarget = pinTarget;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Deterministic)) {
      return false;
    }
    Deterministic that = (Deterministic) o;
    return Objects.equals(enabled, that.enabled)
        && Objects.equals(seed, that.seed)
        && Objects.equals(requireSeed, that.requireSeed)
        && Objects.equals(pinTarget, that.pinTarget);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, seed, requireSeed, pinTarget);
  }

  @Override
  public String toString() {
    return "Deterministic{"
        + "enabled="
        + enabled
        + ", seed="
        + seed
        + ", requireSeed="
        + requireSeed
        + ", pinTarget="
        + pinTarget
        + "}";
  }
}
