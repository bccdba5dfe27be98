package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** How much traffic keeps the live figures of targets a strategy does not choose fresh. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Exploration {

  @JsonPropertyDescription(
      "Share of requests (0-1) sent first to another target than the strategy's choice, one"
          + " without figures or with stale ones first.")
  @Default("0.02")
  @Min(0)
  @Max(1)
  private Double share;

  public Double getShare() {
    return share;
  }

  public void setShare(Double share) {
    this.share = share;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Exploration that && Objects.equals(share, that.share);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(share);
  }

  @Override
  public String toString() {
    return "Exploration{share=" + share + "}";
  }
}
