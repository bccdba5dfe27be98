package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** Desired state of a ModelRoute: one logical model name and its targets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.targets.size() > 0", message = "at least one target is required")
@ValidationRule(
    value = "!has(self.model) || !has(self.aliases) || !(self.model in self.aliases)",
    message = "aliases must not repeat model")
public class ModelRouteSpec {

  @JsonPropertyDescription("The name clients send in \"model\"; defaults to metadata.name.")
  @Pattern(SchemaPatterns.MODEL_ID)
  @Size(min = 1, max = 256)
  private String model;

  @JsonPropertyDescription("Further names clients may send.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(a, self.exists_one(b, b == a))",
      message = "aliases must be unique")
  private List<@Pattern(SchemaPatterns.MODEL_ID) @Size(max = 256) String> aliases;

  @JsonPropertyDescription("RoutingPolicy applied to this route.")
  private LocalObjectRef policyRef;

  @JsonPropertyDescription("Default targets.")
  @Required
  @Size(max = 16)
  @ValidationRule(
      value =
          "self.all(t, self.exists_one(u, u.providerRef.name == t.providerRef.name && u.model == t.model))",
      message = "targets must be unique (providerRef, model) pairs")
  private List<RouteTarget> targets;

  @JsonPropertyDescription("Optional task-class routing; the first matching rule wins.")
  @Size(max = 16)
  private List<RouteRule> rules;

  @JsonPropertyDescription("Rollout of target changes; absent means changes apply at once.")
  private CanarySpec canary;

  @JsonPropertyDescription(
      "Side-by-side evaluation of candidate models on live traffic (never serves).")
  private EvaluationSpec evaluation;

  public String getModel() {
    return model;
  }

  public void setModel(String model) {
    this.model = model;
  }

  public List<String> getAliases() {
    return aliases;
  }

  public void setAliases(List<String> aliases) {
    this.aliases = aliases;
  }

  public LocalObjectRef getPolicyRef() {
    return policyRef;
  }

  public void setPolicyRef(LocalObjectRef policyRef) {
    this.policyRef = policyRef;
  }

  public List<RouteTarget> getTargets() {
    return targets;
  }

  public void setTargets(List<RouteTarget> targets) {
    this.targets = targets;
  }

  public List<RouteRule> getRules() {
    return rules;
  }

  public void setRules(List<RouteRule> rules) {
    this.rules = rules;
  }

  public CanarySpec getCanary() {
    return canary;
  }

  public void setCanary(CanarySpec canary) {
    this.canary = canary;
  }

  public EvaluationSpec getEvaluation() {
    return evaluation;
  }

  public void setEvaluation(EvaluationSpec evaluation) {
    this.evaluation = evaluation;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ModelRouteSpec)) {
      return false;
    }
    ModelRouteSpec that = (ModelRouteSpec) o;
    return Objects.equals(model, that.model)
        && Objects.equals(aliases, that.aliases)
        && Objects.equals(policyRef, that.policyRef)
        && Objects.equals(targets, that.targets)
        && Objects.equals(rules, that.rules)
        && Objects.equals(canary, that.canary)
        && Objects.equals(evaluation, that.evaluation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, aliases, policyRef, targets, rules, canary, evaluation);
  }

  @Override
  public String toString() {
    return "ModelRouteSpec{"
        + "model="
        + model
        + ", aliases="
        + aliases
        + ", policyRef="
        + policyRef
        + ", targets="
        + targets
        + ", rules="
        + rules
        + ", canary="
        + canary
        + ", evaluation="
        + evaluation
        + "}";
  }
}
