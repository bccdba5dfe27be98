package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.CanarySpec;
import dev.switchboard.api.v1alpha1.CanaryStep;
import dev.switchboard.api.v1alpha1.EvaluationSpec;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.Strategy;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Semantic checks of a ModelRoute on its own (references are {@link RouteReferences}' job): at
 * least one target, complete and unique targets, weights 0–100, rules with a match and targets,
 * canary steps strictly increasing below 100, an evaluation sample in 0..1 and an opt-out label a
 * Consumer can carry.
 */
public final class ModelRouteValidator {

  /** Every problem with the route's own spec; empty when it is well-formed. */
  public List<Problem> validate(ModelRoute route) {
    List<Problem> problems = new ArrayList<>();
    ModelRouteSpec spec = route.getSpec();
    if (spec == null) {
      problems.add(new Problem(Reason.INVALID_SPEC, "spec is missing"));
      return problems;
    }
    checkTargets("spec.targets", spec.getTargets(), problems);
    if (spec.getRules() != null) {
      for (int i = 0; i < spec.getRules().size(); i++) {
        RouteRule rule = spec.getRules().get(i);
        String where = "spec.rules[" + i + "]";
        if (rule.getMatch() == null
            || (empty(rule.getMatch().getHeaders())
                && empty(rule.getMatch().getMetadata())
                && (rule.getMatch().getLanguage() == null
                    || rule.getMatch().getLanguage().isEmpty()))) {
          problems.add(
              new Problem(
                  Reason.INVALID_SPEC,
                  where
                      + ".match must name at least one header, metadata entry or language to"
                      + " match"));
        } else if (rule.getMatch().getLanguage() != null) {
          for (String language : rule.getMatch().getLanguage()) {
            if (!dev.switchboard.contract.Languages.SUPPORTED.contains(language)) {
              problems.add(
                  new Problem(
                      Reason.INVALID_SPEC,
                      where
                          + ".match.language: '"
                          + language
                          + "' is not a language the gateway detects (supported: "
                          + new java.util.TreeSet<>(dev.switchboard.contract.Languages.SUPPORTED)
                          + ")"));
            }
          }
        }
        if (rule.getStrategy() != null && Strategy.fromWire(rule.getStrategy()).isEmpty()) {
          problems.add(
              new Problem(
                  Reason.INVALID_SPEC,
                  where
                      + ".strategy '"
                      + rule.getStrategy()
                      + "' is not one of "
                      + Strategy.wireNames()));
        }
        // A rule that only switches the strategy keeps the route's targets.
        if (rule.getStrategy() == null || rule.getTargets() != null) {
          checkTargets(where + ".targets", rule.getTargets(), problems);
        }
      }
    }
    String model = modelName(route);
    if (spec.getAliases() != null && spec.getAliases().contains(model)) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              "spec.aliases repeats the route's own model name '" + model + "'"));
    }
    checkCanary(spec.getCanary(), problems);
    checkEvaluation(spec.getEvaluation(), problems);
    return problems;
  }

  private static final java.util.regex.Pattern OPT_OUT_LABEL =
      java.util.regex.Pattern.compile(EvaluationSpec.OPT_OUT_LABEL_PATTERN);

  /**
   * As the CRD schema says, for API servers (and the local stack) that do not enforce it: the
   * gateway rejects a table whose sample is outside 0..1, and an opt-out label no Consumer can
   * carry would leave consumers no way out of the mirroring.
   */
  private static void checkEvaluation(EvaluationSpec evaluation, List<Problem> problems) {
    if (evaluation == null) {
      return;
    }
    Double sample = evaluation.getSample();
    if (sample != null && !(sample >= 0 && sample <= 1)) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC, "spec.evaluation.sample " + sample + " is outside 0..1"));
    }
    String label = evaluation.getOptOutLabel();
    if (label != null && !OPT_OUT_LABEL.matcher(label).matches()) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              "spec.evaluation.optOutLabel '"
                  + label
                  + "' is not a label a Consumer can carry: name=value (or name alone), the name a"
                  + " letter then letters, digits or _ (max 63), the value at most 256 characters"
                  + " (e.g. evaluation=opt-out)"));
    }
    durationOk("spec.evaluation.duration", evaluation.getDuration(), problems);
  }

  private static boolean empty(java.util.Map<String, String> map) {
    return map == null || map.isEmpty();
  }

  /** The name clients send: spec.model, or the resource name when spec.model is empty. */
  public static String modelName(ModelRoute route) {
    String model = route.getSpec() == null ? null : route.getSpec().getModel();
    return model == null || model.isBlank() ? route.getMetadata().getName() : model;
  }

  private static void checkTargets(
      String where, List<RouteTarget> targets, List<Problem> problems) {
    if (targets == null || targets.isEmpty()) {
      problems.add(new Problem(Reason.NO_TARGETS, where + " must list at least one target"));
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < targets.size(); i++) {
      RouteTarget target = targets.get(i);
      String at = where + "[" + i + "]";
      String provider = target.getProviderRef() == null ? null : target.getProviderRef().getName();
      if (provider == null
          || provider.isBlank()
          || target.getModel() == null
          || target.getModel().isBlank()) {
        problems.add(new Problem(Reason.INVALID_SPEC, at + " needs providerRef.name and model"));
        continue;
      }
      if (!seen.add(provider + "/" + target.getModel())) {
        problems.add(
            new Problem(
                Reason.DUPLICATE_TARGET,
                at + " repeats " + provider + "/" + target.getModel() + "; list each pair once"));
      }
      Integer weight = target.getWeight();
      if (weight != null && (weight < 0 || weight > 100)) {
        problems.add(
            new Problem(Reason.INVALID_SPEC, at + ".weight " + weight + " is outside 0..100"));
      }
    }
  }

  private static void checkCanary(CanarySpec canary, List<Problem> problems) {
    if (canary == null) {
      return;
    }
    if (canary.getMode() != null && CanaryMode.fromWire(canary.getMode()).isEmpty()) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              "spec.canary.mode '" + canary.getMode() + "' is not split or shadow"));
    }
    int previous = 0;
    if (canary.getSteps() != null) {
      for (CanaryStep step : canary.getSteps()) {
        int weight = step.getWeight() == null ? -1 : step.getWeight();
        if (weight <= previous || weight >= 100) {
          problems.add(
              new Problem(
                  Reason.INVALID_SPEC,
                  "spec.canary.steps weights must increase strictly and stay below 100 (found "
                      + weight
                      + " after "
                      + previous
                      + ")"));
        }
        previous = Math.max(previous, weight);
        durationOk("spec.canary.steps.pause", step.getPause(), problems);
      }
    }
    if (canary.getAnalysis() != null) {
      durationOk("spec.canary.analysis.interval", canary.getAnalysis().getInterval(), problems);
    }
  }

  private static void durationOk(String field, String text, List<Problem> problems) {
    if (text == null) {
      return;
    }
    try {
      Durations.toMillis(text);
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(Reason.INVALID_DURATION, field + ": " + e.getMessage()));
    }
  }
}
