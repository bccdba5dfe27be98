package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.operator.render.RouteOutcome;
import dev.switchboard.operator.rollout.CanaryCondition;
import dev.switchboard.operator.rollout.RolloutDecision;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns what became of a route in the rendered table into its status: {@code Ready} and {@code
 * ReferencesResolved} conditions with reasons and messages that say what to fix, and the rollout
 * fields from the canary planner (kept as they were while a last good revision serves, unless its
 * canary was just rolled back).
 */
final class ModelRouteStatusBuilder {

  /** Targets name floating model aliases (a warning: allowed, never silent). */
  static final String FLOATING_MODEL_VERSION = "FloatingModelVersion";

  private static final Set<String> MANAGED =
      Set.of(Conditions.READY, Conditions.REFERENCES_RESOLVED, FLOATING_MODEL_VERSION);

  private final Conditions conditions;

  ModelRouteStatusBuilder(Conditions conditions) {
    this.conditions = conditions;
  }

  ModelRouteStatus build(ModelRoute route, RouteOutcome outcome) {
    ModelRouteStatus previous =
        route.getStatus() == null ? new ModelRouteStatus() : route.getStatus();
    ModelRouteStatus next = new ModelRouteStatus();
    next.setGateway(previous.getGateway());
    next.setObserved(previous.getObserved());
    RolloutDecision rollout = outcome.rollout();
    if (rollout != null) {
      next.setPhase(rollout.phase());
      next.setStableRevision(rollout.stableRevision());
      next.setCanaryRevision(rollout.canaryRevision());
      next.setCanaryWeight(rollout.canaryWeight());
      next.setCurrentStep(rollout.currentStep());
      next.setStepStartedAt(rollout.stepStartedAt());
      next.setFailedRevision(rollout.failedRevision());
      next.setFailedTargets(rollout.failedTargets());
      next.setAnalysis(rollout.analysis());
    } else {
      next.setPhase(previous.getPhase());
      next.setStableRevision(previous.getStableRevision());
      next.setCanaryRevision(previous.getCanaryRevision());
      next.setCanaryWeight(previous.getCanaryWeight());
      next.setCurrentStep(previous.getCurrentStep());
      next.setStepStartedAt(previous.getStepStartedAt());
      next.setFailedRevision(previous.getFailedRevision());
      next.setFailedTargets(previous.getFailedTargets());
      next.setAnalysis(previous.getAnalysis());
    }
    List<Conditions.Desired> desired = new ArrayList<>();
    desired.add(ready(outcome));
    // While the route's rollout is planned the planner owns CanaryHealthy (and removes it when no
    // canary is left); a last good route keeps whatever it had, and so does a rollback that is
    // still the same one: it keeps saying why it happened (an invalid spec, say) after the spec
    // was fixed.
    Set<String> managed = MANAGED;
    if (rollout != null && !sameRollback(previous, rollout)) {
      managed =
          Set.of(
              Conditions.READY,
              Conditions.REFERENCES_RESOLVED,
              FLOATING_MODEL_VERSION,
              CanaryCondition.TYPE);
      CanaryCondition.of(rollout).ifPresent(desired::add);
    }
    desired.add(
        outcome.referenceProblems().isEmpty()
            ? new Conditions.Desired(
                Conditions.REFERENCES_RESOLVED,
                true,
                Reason.REFERENCES_RESOLVED.wireName(),
                "the policy and every target's provider and model resolve")
            : new Conditions.Desired(
                Conditions.REFERENCES_RESOLVED,
                false,
                outcome.referenceProblems().get(0).reasonName(),
                joined(outcome.referenceProblems(), "")));
    desired.add(floatingVersions(route));
    next.setConditions(
        conditions.merge(
            previous.getConditions(), managed, desired, route.getMetadata().getGeneration()));
    return next;
  }

  private static boolean sameRollback(ModelRouteStatus previous, RolloutDecision rollout) {
    return RolloutDecision.ROLLED_BACK.equals(rollout.phase())
        && RolloutDecision.ROLLED_BACK.equals(previous.getPhase())
        && Objects.equals(rollout.failedRevision(), previous.getFailedRevision())
        && Conditions.find(previous.getConditions(), CanaryCondition.TYPE).isPresent();
  }

  /**
   * {@code FloatingModelVersion=True} naming the targets whose model is a floating alias: the
   * provider can change the model underneath them. The served version is in every answer's {@code
   * x-switchboard-model-version} header and the request log.
   */
  static Conditions.Desired floatingVersions(ModelRoute route) {
    List<String> floating = ModelVersions.floatingTargets(route.getSpec());
    if (floating.isEmpty()) {
      return new Conditions.Desired(
          FLOATING_MODEL_VERSION,
          false,
          Reason.MODEL_VERSIONS_PINNED.wireName(),
          "every target names a pinned model version");
    }
    return new Conditions.Desired(
        FLOATING_MODEL_VERSION,
        true,
        Reason.FLOATING_MODEL_ALIAS.wireName(),
        Conditions.summary(
            floating,
            ", ",
            " name floating aliases the provider may re-point to a new model without a change"
                + " here; pin a dated or numbered version (for example gpt-4o-2024-08-06) to"
                + " decide when the model changes."));
  }

  /** The {@code Ready} condition of a route rendered as {@code outcome}. */
  static Conditions.Desired ready(RouteOutcome outcome) {
    return switch (outcome.state()) {
      case CURRENT ->
          new Conditions.Desired(
              Conditions.READY,
              true,
              Reason.ROUTE_SERVING.wireName(),
              "revision " + outcome.servedRevision() + " is in the routing table");
      case LAST_GOOD ->
          new Conditions.Desired(
              Conditions.READY,
              false,
              outcome.problems().get(0).reasonName(),
              joined(
                  outcome.problems(),
                  " The last good revision "
                      + outcome.servedRevision()
                      + " keeps serving until this is fixed."));
      case NOT_SERVED ->
          new Conditions.Desired(
              Conditions.READY,
              false,
              outcome.problems().get(0).reasonName(),
              joined(outcome.problems(), " The route is not served until this is fixed."));
    };
  }

  /** The problems as sentences, as many as fit, then {@code trailer}. */
  private static String joined(List<Problem> problems, String trailer) {
    return Conditions.summary(
        problems.stream()
            .map(Problem::message)
            .map(message -> message.endsWith(".") ? message : message + ".")
            .toList(),
        " ",
        trailer);
  }
}
