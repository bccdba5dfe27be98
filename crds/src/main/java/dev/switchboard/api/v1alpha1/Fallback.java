package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** Rules for falling back to another target. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Fallback {

  @JsonPropertyDescription("Never fall back to a target lacking a capability the request needs.")
  @Default("true")
  private Boolean requireSameCapabilities;

  public Boolean getRequireSameCapabilities() {
    return requireSameCapabilities;
  }

  public void setRequireSameCapabilities(Boolean requireSameCapabilities) {
    this.requireSameCapabilities = requireSameCapabilities;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Fallback)) {
      return false;
    }
    Fallback that = (Fallback) o;
    return Objects.equals(requireSameCapabilities, that.requireSameCapabilities);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requireSameCapabilities);
  }

  @Override
  public String toString() {
    return "Fallback{" + "requireSameCapabilities=" + requireSameCapabilities + "}";
  }
}
