package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** Response caching. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CacheSpec {

  @JsonPropertyDescription("Exact-match cache.")
  private ExactCache exact;

  @JsonPropertyDescription("Semantic (embedding similarity) cache.")
  private SemanticCache semantic;

  @JsonPropertyDescription("Requests with a higher temperature bypass the cache.")
  @Default("0.3")
  @Min(0)
  @Max(2)
  private Double maxTemperature;

  @JsonPropertyDescription(
      "Whether the exact cache lives in the gateway's shared store (Redis) for all replicas"
          + " instead of in each replica.")
  @Default("false")
  private Boolean shared;

  public Boolean getShared() {
    return shared;
  }

  public void setShared(Boolean shared) {
    this.shared = shared;
  }

  public ExactCache getExact() {
    return exact;
  }

  public void setExact(ExactCache exact) {
    this.exact = exact;
  }

  public SemanticCache getSemantic() {
    return semantic;
  }

  public void setSemantic(SemanticCache semantic) {
    this.semantic = semantic;
  }

  public Double getMaxTemperature() {
    return maxTemperature;
  }

  public void setMaxTemperature(Double maxTemperature) {
    this.maxTemperature = maxTemperature;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CacheSpec)) {
      return false;
    }
    CacheSpec that = (CacheSpec) o;
    return Objects.equals(exact, that.exact)
        && Objects.equals(semantic, that.semantic)
        && Objects.equals(maxTemperature, that.maxTemperature)
        && Objects.equals(shared, that.shared);
  }

  @Override
  public int hashCode() {
    return Objects.hash(exact, semantic, maxTemperature, shared);
  }

  @Override
  public String toString() {
    return "CacheSpec{"
        + "exact="
        + exact
        + ", semantic="
        + semantic
        + ", maxTemperature="
        + maxTemperature
        + ", shared="
        + shared
        + "}";
  }
}
