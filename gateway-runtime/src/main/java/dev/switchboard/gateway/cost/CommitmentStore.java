package dev.switchboard.gateway.cost;

import io.vertx.core.Future;
import java.util.Map;

/**
 * Where committed-use counts are shared across gateway replicas ({@code RedisCommitmentStore}): per
 * provider and calendar month, each model's tokens and spend.
 */
public interface CommitmentStore {

  /**
   * Adds {@code deltas} (model → its tokens and spend) to {@code provider}'s counts of {@code
   * month} once per {@code batchId} — a batch sent again is not counted again — and answers the
   * month's totals per model. Empty deltas only read. Fails when the store does not answer.
   */
  Future<Map<String, CommitmentLedger.Counts>> addAndRead(
      String provider, String month, String batchId, Map<String, CommitmentLedger.Counts> deltas);
}
