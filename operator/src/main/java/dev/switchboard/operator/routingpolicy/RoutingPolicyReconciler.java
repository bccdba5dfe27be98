package dev.switchboard.operator.routingpolicy;

import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicyStatus;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.status.FieldsRecognized;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import dev.switchboard.operator.status.StatusUpdater;
import dev.switchboard.operator.status.UnenforcedFields;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reconciles RoutingPolicies' status: validate → {@code Ready} condition and events, and {@code
 * Enforced} naming the fields the gateway does not act on yet ({@link UnenforcedFields}). The drift
 * results in status belong to the drift check and are kept as they are.
 */
@ControllerConfiguration(name = RoutingPolicyReconciler.NAME)
public class RoutingPolicyReconciler implements Reconciler<RoutingPolicy> {

  public static final String NAME = "routingpolicy";

  private final RoutingPolicyValidator validator;
  private final Conditions conditions;
  private final EventRecorder events;

  public RoutingPolicyReconciler(
      RoutingPolicyValidator validator, Conditions conditions, EventRecorder events) {
    this.validator = validator;
    this.conditions = conditions;
    this.events = events;
  }

  @Override
  public UpdateControl<RoutingPolicy> reconcile(
      RoutingPolicy policy, Context<RoutingPolicy> context) {
    List<Problem> problems = validator.validate(policy);
    RoutingPolicyStatus previous = policy.getStatus();
    RoutingPolicyStatus next = new RoutingPolicyStatus();
    next.setDrift(previous == null ? null : previous.getDrift());
    Conditions.Desired ready =
        problems.isEmpty()
            ? new Conditions.Desired(
                Conditions.READY,
                true,
                Reason.POLICY_VALID.wireName(),
                "the policy can be used by routes")
            : new Conditions.Desired(
                Conditions.READY,
                false,
                problems.get(0).reasonName(),
                Conditions.summary(problems.stream().map(Problem::message).toList(), "; ", ""));
    next.setConditions(
        conditions.merge(
            previous == null ? null : previous.getConditions(),
            Set.of(Conditions.READY, UnenforcedFields.ENFORCED),
            List.of(ready, UnenforcedFields.condition(UnenforcedFields.of(policy.getSpec()))),
            policy.getMetadata().getGeneration()));
    var before =
        Conditions.find(previous == null ? null : previous.getConditions(), Conditions.READY);
    if (before.isEmpty()
        || !Objects.equals(before.get().getStatus(), ready.status() ? "True" : "False")
        || !Objects.equals(before.get().getReason(), ready.reason())) {
      events.record(
          policy,
          ready.status() ? EventRecorder.NORMAL : EventRecorder.WARNING,
          ready.reason(),
          ready.message());
    }
    next.setConditions(
        FieldsRecognized.apply(
            policy,
            previous == null ? null : previous.getConditions(),
            next.getConditions(),
            conditions,
            events));
    return StatusUpdater.patchIfChanged(policy, next, RoutingPolicyStatus::setObservedGeneration);
  }
}
