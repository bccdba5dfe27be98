package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** How old a key may get before the operator asks for its rotation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyRotation {

  @JsonPropertyDescription(
      "Age (from when the operator first saw the key) after which condition KeyRotationDue turns"
          + " True with a Warning event, e.g. 168h for a weekly rotation. Absent: never.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String maxAge;

  public String getMaxAge() {
    return maxAge;
  }

  public void setMaxAge(String maxAge) {
    this.maxAge = maxAge;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyRotation that && Objects.equals(maxAge, that.maxAge);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(maxAge);
  }

  @Override
  public String toString() {
    return "KeyRotation{maxAge=" + maxAge + "}";
  }
}
