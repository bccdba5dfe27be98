package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.render.ResolvedNamespace;
import dev.switchboard.operator.rollout.CanaryCondition;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.status.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A split canary on a route whose policy is deterministic with {@code pinTarget} (the default) gets
 * no traffic: pinning means the first target by priority answers every request, and the gateway
 * turns the split off (the contract of {@code deterministic.pinTarget}: reproducible answers would
 * otherwise depend on which arm a request fell into). Its analysis sees no canary requests, so the
 * rollout would hold at its first step for ever while status claimed its weight. So the route says
 * it: {@code CanaryHealthy=False}, reason {@code SplitDisabledByPinTarget}, with a Warning event,
 * and weight 0, the share the canary really gets: the planner, told by {@link #pins}, publishes the
 * arm at weight 0 and records it in {@code canaryWeight} and the {@code switchboard_canary_weight}
 * gauge. The table says 0 too, not the step's weight: every reader of the table (a gateway of
 * another version, the admin API, a person reading the ConfigMap) then sees what the pinned gateway
 * does, and another route's render, which keeps the published weight, keeps 0. The step stays in
 * status, so once the policy stops pinning the canary takes the step's weight again. The rollout
 * itself is left as it is (the canary arm stays published), so that the team chooses: shadow mode
 * (mirrored copies are analysed and never answer, so pinning holds), {@code pinTarget: false}, or
 * the promote or abort annotation.
 */
final class PinnedSplit {

  private PinnedSplit() {}

  /**
   * Whether the policy named {@code policy} is deterministic with {@code pinTarget}, as it resolves
   * now (the table about to be rendered carries it): the planner then gives a split canary weight
   * 0, so the table, status and the {@code switchboard_canary_weight} gauge claim no share the
   * gateway does not send.
   */
  static boolean pins(ResolvedNamespace resolved, String policy) {
    return policy != null
        && resolved
            .policy(policy)
            .map(p -> p.policy().getSpec() == null ? null : p.policy().getSpec().getDeterministic())
            // Read as the table reads it (RoutingTable.Deterministic: pinTarget true when absent).
            .map(d -> new RoutingTable.Deterministic(d.getEnabled(), null, d.getPinTarget(), null))
            .filter(d -> d.on() && d.pinned())
            .isPresent();
  }

  /** Whether the route's entry has a split canary that its policy's pinning keeps from traffic. */
  static boolean splitOff(RoutingTable table, String routeName) {
    RoutingTable.Route entry = SeedHonoured.entry(table, routeName);
    if (entry == null || entry.canary() == null || entry.policy() == null) {
      return false;
    }
    RoutingTable.Policy policy = table.policies().get(entry.policy());
    RoutingTable.Deterministic d = policy == null ? null : policy.deterministic();
    return d != null
        && d.on()
        && d.pinned()
        && entry.canary().canaryMode().filter(CanaryMode.SPLIT::equals).isPresent();
  }

  /** Rewrites {@code next}'s {@code CanaryHealthy} (with its event) when the split is off. */
  static void apply(
      HasMetadata route,
      String routeName,
      RoutingTable table,
      List<Condition> previous,
      ModelRouteStatus next,
      Conditions conditions,
      EventRecorder events) {
    if (!splitOff(table, routeName)) {
      return;
    }
    RoutingTable.Route entry = SeedHonoured.entry(table, routeName);
    String message =
        "the split canary of revision "
            + entry.canary().revision()
            + " gets no traffic: policy '"
            + entry.policy()
            + "' is deterministic with pinTarget, which turns the canary split off, so its"
            + " analysis sees no canary requests and the step never advances. Use canary mode"
            + " shadow, set deterministic.pinTarget: false, or promote or abort it with the"
            + " switchboard.dev/promote or switchboard.dev/abort annotation";
    Condition before = Conditions.find(previous, CanaryCondition.TYPE).orElse(null);
    if (before == null
        || !Objects.equals(before.getReason(), Reason.SPLIT_DISABLED_BY_PIN_TARGET.wireName())) {
      events.record(
          route, EventRecorder.WARNING, Reason.SPLIT_DISABLED_BY_PIN_TARGET.wireName(), message);
    }
    // Merged onto the previous status's condition, not the one the planner's verdict just put
    // there: its lastTransitionTime stays, and an unchanged route causes no status write.
    List<Condition> base = new ArrayList<>(next.getConditions());
    base.removeIf(c -> CanaryCondition.TYPE.equals(c.getType()));
    if (before != null) {
      base.add(before);
    }
    next.setConditions(
        conditions.merge(
            base,
            Set.of(CanaryCondition.TYPE),
            List.of(
                new Conditions.Desired(
                    CanaryCondition.TYPE,
                    false,
                    Reason.SPLIT_DISABLED_BY_PIN_TARGET.wireName(),
                    message)),
            route.getMetadata().getGeneration()));
  }
}
