package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Strategy;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** Task-class routing: requests matching a rule go to its targets, by its strategy, or both. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.targets) || has(self.strategy)",
    message = "a rule gives targets, a strategy, or both")
public class RouteRule {

  @JsonPropertyDescription("When the rule applies.")
  @Required
  private RuleMatch match;

  @JsonPropertyDescription("Targets for matching requests; the route's targets when absent.")
  @Size(min = 1, max = 16)
  @ValidationRule(
      value =
          "self.all(t, self.exists_one(u, u.providerRef.name == t.providerRef.name && u.model == t.model))",
      message = "targets must be unique (providerRef, model) pairs")
  private List<RouteTarget> targets;

  @JsonPropertyDescription(
      "Strategy for matching requests (overrides the policy's and its schedule's).")
  @SchemaFrom(type = Strategy.class)
  private String strategy;

  public String getStrategy() {
    return strategy;
  }

  public void setStrategy(String strategy) {
    this.strategy = strategy;
  }

  public RuleMatch getMatch() {
    return match;
  }

  public void setMatch(RuleMatch match) {
    this.match = match;
  }

  public List<RouteTarget> getTargets() {
    return targets;
  }

  public void setTargets(List<RouteTarget> targets) {
    this.targets = targets;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RouteRule)) {
      return false;
    }
    RouteRule that = (RouteRule) o;
    return Objects.equals(match, that.match)
        && Objects.equals(targets, that.targets)
        && Objects.equals(strategy, that.strategy);
  }

  @Override
  public int hashCode() {
    return Objects.hash(match, targets, strategy);
  }

  @Override
  public String toString() {
    return "RouteRule{match=" + match + ", targets=" + targets + ", strategy=" + strategy + "}";
  }
}
