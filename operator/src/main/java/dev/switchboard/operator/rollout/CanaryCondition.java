package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.ArmFigures;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.Reason;
import java.util.Optional;

/**
 * The ModelRoute {@code CanaryHealthy} condition, derived from a rollout decision: present while a
 * canary runs or after it was rolled back, absent on a stable route without one.
 */
public final class CanaryCondition {

  /** The condition type. */
  public static final String TYPE = "CanaryHealthy";

  private CanaryCondition() {}

  public static Optional<Conditions.Desired> of(RolloutDecision decision) {
    if (decision == null || decision.phase() == null) {
      return Optional.empty();
    }
    String verdict = decision.analysis() == null ? null : decision.analysis().getVerdict();
    return switch (decision.phase()) {
      case RolloutDecision.PROGRESSING ->
          Optional.of(
              new Conditions.Desired(
                  TYPE,
                  true,
                  verdict == null ? Reason.AWAITING_ANALYSIS.wireName() : "Analysis" + verdict,
                  "revision "
                      + decision.canaryRevision()
                      + " takes "
                      + decision.canaryWeight()
                      + "% at step "
                      + (decision.currentStep() + 1)
                      + (verdict == null ? "; no analysis yet" : "; last analysis: " + verdict)
                      + figures(decision)));
      case RolloutDecision.PAUSED ->
          Optional.of(
              new Conditions.Desired(
                  TYPE,
                  false,
                  Reason.METRICS_UNAVAILABLE.wireName(),
                  "the canary holds at "
                      + decision.canaryWeight()
                      + "% until its metrics can be read again"));
      case RolloutDecision.ROLLED_BACK -> Optional.of(rolledBack(decision, verdict));
      default -> Optional.empty();
    };
  }

  private static Conditions.Desired rolledBack(RolloutDecision decision, String verdict) {
    boolean invalid =
        decision.transition() != null
            && Reason.CANARY_CONFIGURATION_INVALID
                .wireName()
                .equals(decision.transition().reason());
    // A CanaryRolledBack without a failed analysis is a rollback found published and never
    // recorded: its cause went with the lost status write, so it is not claimed to be an abort.
    boolean notRecorded =
        !"Fail".equals(verdict)
            && decision.transition() != null
            && Reason.CANARY_ROLLED_BACK.wireName().equals(decision.transition().reason());
    String reason =
        "Fail".equals(verdict)
            ? Reason.ANALYSIS_FAILED.wireName()
            : invalid
                ? Reason.CONFIGURATION_INVALID.wireName()
                : notRecorded ? Reason.ROLLBACK_NOT_RECORDED.wireName() : Reason.ABORTED.wireName();
    return new Conditions.Desired(
        TYPE,
        false,
        reason,
        "revision "
            + decision.failedRevision()
            + " was rolled back"
            + (invalid ? " because the route's spec became invalid while it ran (see Ready)" : "")
            + " and is not retried until its targets change"
            + figures(decision));
  }

  private static String figures(RolloutDecision decision) {
    if (decision.analysis() == null || decision.analysis().getCanary() == null) {
      return "";
    }
    return " (canary "
        + describe(decision.analysis().getCanary())
        + "; stable "
        + describe(decision.analysis().getStable())
        + ")";
  }

  private static String describe(ArmFigures f) {
    if (f == null) {
      return "no data";
    }
    return f.getRequests()
        + " requests, error rate "
        + f.getErrorRate()
        + (f.getLatencyP95() == null ? "" : ", p95 " + f.getLatencyP95());
  }
}
