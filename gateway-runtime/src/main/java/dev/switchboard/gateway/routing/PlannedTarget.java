package dev.switchboard.gateway.routing;

import dev.switchboard.contract.Arm;
import dev.switchboard.contract.RoutingTable;

/**
 * One target an attempt may be sent to, with the provider it belongs to and the canary arm it came
 * from ({@code stable} or {@code canary}; {@code drift} for the operator's drift checks), so
 * metrics can compare the two arms.
 *
 * @param id {@code provider/model}, the identity used in metrics, stats and logs; made once here,
 *     as a table's planned targets are made once (on first use) and the id is read several times
 *     per request
 */
public record PlannedTarget(
    RoutingTable.Target target, RoutingTable.Provider provider, String arm, String id) {

  /** A planned target of {@code target} at {@code provider} in {@code arm}. */
  public PlannedTarget(RoutingTable.Target target, RoutingTable.Provider provider, String arm) {
    this(target, provider, arm, target.id());
  }

  /** The arm label of targets outside a canary. */
  public static final String STABLE = Arm.STABLE.wireName();

  /** The arm label of canary targets. */
  public static final String CANARY = Arm.CANARY.wireName();

  /**
   * The arm label of the operator's drift-check requests (admin port), whichever arm their target
   * is in: no {@link Arm}, so a canary's analysis counts them for neither arm — a nightly burst of
   * replayed prompts is not traffic the canary or the stable version served.
   */
  public static final String DRIFT = "drift";

  /** This target, labelled as a drift-check request's ({@link #DRIFT}). */
  public PlannedTarget asDrift() {
    return new PlannedTarget(target, provider, DRIFT, id);
  }
}
