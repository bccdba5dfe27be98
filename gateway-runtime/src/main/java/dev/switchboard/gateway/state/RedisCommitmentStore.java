package dev.switchboard.gateway.state;

import dev.switchboard.gateway.cost.CommitmentLedger;
import dev.switchboard.gateway.cost.CommitmentStore;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Committed-use counts in the shared Redis: one hash per provider and month ({@code
 * {commit:<provider>}:<month>}, fields {@code t:<model>} tokens and {@code s:<model>} nano-USD,
 * kept 35 days), each batch added by one script ({@code commitment.lua}) that also answers the
 * totals. The batch marker shares the hash tag, so the script touches one cluster slot.
 */
public final class RedisCommitmentStore implements CommitmentStore {

  /** A month's counts outlive it by a few days, so a late reader still finds them. */
  static final long MONTH_TTL_MS = 35L * 24 * 3600 * 1000;

  /**
   * How long a batch id is remembered: a batch retried later than this after a lost answer could
   * count twice (a replica retries every second while the store is down, and a lost answer needs
   * the store to have applied the batch first).
   */
  static final long BATCH_TTL_MS = 3600_000L;

  private final RedisStateStore redis;

  public RedisCommitmentStore(RedisStateStore redis) {
    this.redis = redis;
  }

  @Override
  public Future<Map<String, CommitmentLedger.Counts>> addAndRead(
      String provider, String month, String batchId, Map<String, CommitmentLedger.Counts> deltas) {
    String base = redis.prefix() + "{commit:" + provider + "}:";
    List<String> args = new ArrayList<>(2 + 4 * deltas.size());
    args.add(Long.toString(MONTH_TTL_MS));
    args.add(Long.toString(BATCH_TTL_MS));
    deltas.forEach(
        (model, c) -> {
          args.add("t:" + model);
          args.add(Long.toString(c.tokens()));
          args.add("s:" + model);
          args.add(Long.toString(c.spendNanoUsd()));
        });
    return redis
        .runScript("commitment.lua", List.of(base + month, base + "batch:" + batchId), args)
        .map(RedisCommitmentStore::totals);
  }

  private static Map<String, CommitmentLedger.Counts> totals(Response flat) {
    Map<String, long[]> byModel = new HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      String field = flat.get(i).toString();
      long value = flat.get(i + 1).toLong();
      if (field.length() < 2 || field.charAt(1) != ':') {
        continue;
      }
      long[] c = byModel.computeIfAbsent(field.substring(2), k -> new long[2]);
      c[field.charAt(0) == 't' ? 0 : 1] = value;
    }
    Map<String, CommitmentLedger.Counts> out = new HashMap<>();
    byModel.forEach((model, c) -> out.put(model, new CommitmentLedger.Counts(c[0], c[1])));
    return out;
  }
}
