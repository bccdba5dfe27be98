package dev.switchboard.gateway.routing;

import dev.switchboard.contract.Arm;
import dev.switchboard.contract.RoutingTable;

/**
 * One target an attempt may be sent to, with the provider it belongs to and the canary arm it came
 * from ({@code stable} or {@code canary}), so metrics can compare the two arms.
 */
public record PlannedTarget(
    RoutingTable.Target target, RoutingTable.Provider provider, String arm) {

  /** The arm label of targets outside a canary. */
  public static final String STABLE = Arm.STABLE.wireName();

  /** The arm label of canary targets. */
  public static final String CANARY = Arm.CANARY.wireName();

  /** {@code provider/model}, the identity used in metrics, stats and logs. */
  public String id() {
    return target.id();
  }
}
