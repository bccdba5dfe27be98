package dev.switchboard.operator.runtime;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How much of each prepaid commitment the gateway replicas of a namespace have used this month: an
 * I/O step of its own, injected into the ProviderEndpoint reconciler.
 */
public interface CommitmentSource {

  /** For an operator that does not observe the gateways: status.commitments is left alone. */
  CommitmentSource NONE = namespace -> Optional.empty();

  /**
   * The commitments by provider (ProviderEndpoint) name; empty when no replica could be asked.
   * Providers without a commitment in the gateways' table are absent.
   */
  Optional<Map<String, List<Used>>> commitments(String namespace);

  /**
   * One commitment as the gateways enforce it.
   *
   * @param model the model whose own commitment this is; null for the endpoint's
   * @param unit {@code tokens} or {@code spend}
   * @param amount its size per month
   * @param used this month's use, in the unit
   * @param month the UTC calendar month counted, {@code YYYY-MM}
   */
  record Used(String model, String unit, double amount, double used, String month) {}
}
