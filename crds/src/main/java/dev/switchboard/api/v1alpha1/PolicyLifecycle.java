package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/**
 * How routes under a policy live with model retirement: warnings, what replaces a retired model.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicyLifecycle {

  @JsonPropertyDescription(
      "Warn (condition and event on every ModelRoute targeting the model) this long before a"
          + " model's retiredAfter date, once per threshold. Default 90, 30 and 7 days.")
  @Size(max = 8)
  @Default("[\"2160h\", \"720h\", \"168h\"]")
  private List<@Pattern(Durations.PATTERN) @Size(max = 32) String> warnBefore;

  @JsonPropertyDescription(
      "After retiredAfter: successor routes the target to the model's lifecycle.successor at the"
          + " same provider (if it has the retired model's capabilities); reject drops the target"
          + " (failover applies; a route left without target answers 410 model_retired).")
  @Default("successor")
  @SchemaFrom(type = SchemaEnums.OnRetired.class)
  private String onRetired;

  @JsonPropertyDescription(
      "When set, a route whose target has a successor and retires within this duration starts a"
          + " side-by-side evaluation of the successor (sample 0.1, 72h) unless the route declares"
          + " its own evaluation.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String evaluateSuccessorBefore;

  public List<String> getWarnBefore() {
    return warnBefore;
  }

  public void setWarnBefore(List<String> warnBefore) {
    this.warnBefore = warnBefore;
  }

  public String getOnRetired() {
    return onRetired;
  }

  public void setOnRetired(String onRetired) {
    this.onRetired = onRetired;
  }

  public String getEvaluateSuccessorBefore() {
    return evaluateSuccessorBefore;
  }

  public void setEvaluateSuccessorBefore(String evaluateSuccessorBefore) {
    this.evaluateSuccessorBefore = evaluateSuccessorBefore;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PolicyLifecycle that
        && Objects.equals(warnBefore, that.warnBefore)
        && Objects.equals(onRetired, that.onRetired)
        && Objects.equals(evaluateSuccessorBefore, that.evaluateSuccessorBefore);
  }

  @Override
  public int hashCode() {
    return Objects.hash(warnBefore, onRetired, evaluateSuccessorBefore);
  }

  @Override
  public String toString() {
    return "PolicyLifecycle{warnBefore="
        + warnBefore
        + ", onRetired="
        + onRetired
        + ", evaluateSuccessorBefore="
        + evaluateSuccessorBefore
        + "}";
  }
}
