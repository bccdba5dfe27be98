package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** Cache answering byte-identical requests. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExactCache {

  @JsonPropertyDescription("Whether the exact cache is used.")
  @Default("false")
  private Boolean enabled;

  @JsonPropertyDescription("How long an answer is kept. A duration such as `250ms`, `2s`, `5m`.")
  @Default("10m")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String ttl;

  @JsonPropertyDescription("Entries kept per gateway replica.")
  @Default("10000")
  @Min(1)
  @Max(10000000)
  private Integer maxEntries;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public String getTtl() {
    return ttl;
  }

  public void setTtl(String ttl) {
    this.ttl = ttl;
  }

  public Integer getMaxEntries() {
    return maxEntries;
  }

  public void setMaxEntries(Integer maxEntries) {
    this.maxEntries = maxEntries;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ExactCache)) {
      return false;
    }
    ExactCache that = (ExactCache) o;
    return Objects.equals(enabled, that.enabled)
        && Objects.equals(ttl, that.ttl)
        && Objects.equals(maxEntries, that.maxEntries);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, ttl, maxEntries);
  }

  @Override
  public String toString() {
    return "ExactCache{"
        + "enabled="
        + enabled
        + ", ttl="
        + ttl
        + ", maxEntries="
        + maxEntries
        + "}";
  }
}
