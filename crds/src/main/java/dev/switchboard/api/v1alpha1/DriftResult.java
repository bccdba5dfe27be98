package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Drift measured for one target of one route. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftResult {

  @JsonPropertyDescription("ModelRoute name.")
  private String route;

  @JsonPropertyDescription("Target as provider/model.")
  private String target;

  @JsonPropertyDescription("Mean normalised Levenshtein distance to the reference answers.")
  private Double distance;

  @JsonPropertyDescription("Whether distance exceeded maxNormalizedDistance.")
  private Boolean drifted;

  public String getRoute() {
    return route;
  }

  public void setRoute(String route) {
    this.route = route;
  }

  public String getTarget() {
    return target;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public Double getDistance() {
    return distance;
  }

  public void setDistance(Double distance) {
    this.distance = distance;
  }

  public Boolean getDrifted() {
    return drifted;
  }

  public void setDrifted(Boolean drifted) {
    this.drifted = drifted;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DriftResult)) {
      return false;
    }
    DriftResult that = (DriftResult) o;
    return Objects.equals(route, that.route)
        && Objects.equals(target, that.target)
        && Objects.equals(distance, that.distance)
        && Objects.equals(drifted, that.drifted);
  }

  @Override
  public int hashCode() {
    return Objects.hash(route, target, distance, drifted);
  }

  @Override
  public String toString() {
    return "DriftResult{"
        + "route="
        + route
        + ", target="
        + target
        + ", distance="
        + distance
        + ", drifted="
        + drifted
        + "}";
  }
}
