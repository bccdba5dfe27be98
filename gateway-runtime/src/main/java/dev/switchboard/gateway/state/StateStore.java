package dev.switchboard.gateway.state;

import io.vertx.core.CompositeFuture;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Counters the gateway keeps about its consumers: rate buckets, budget reservations and spend.
 * {@link LocalStateStore} counts in this replica's memory; {@link RedisStateStore} counts in one
 * Redis that every replica shares, each operation one atomic script. Both are idempotent by
 * reservation id: admitting or settling the same id twice counts once.
 */
public interface StateStore {

  /**
   * Checks the rate buckets and the budget and, when all allow it, takes one request from every
   * request bucket and reserves {@link AdmitCall#reserveNanoUsd()} against the day and the month —
   * all or nothing. Fails with {@link StoreUnavailableException} when the store cannot answer.
   */
  Future<Admission> admit(AdmitCall call);

  /**
   * Replaces a reservation with what the request really cost and charges its tokens to the token
   * buckets; an {@linkplain SettleCall#unserved unserved} request's request is given back to the
   * request buckets. A reservation settled before (or never made) is left alone.
   */
  Future<Void> settle(SettleCall call);

  /**
   * Adds the cost of a request that was admitted and counted elsewhere while this store could not
   * answer (a consumer's {@code onStoreUnavailable: allow}) to the spend of its day and month, and
   * its tokens to its token limits (as much of them as the buckets would still hold), once the
   * store answers again. A store that is never unavailable has nothing to add.
   *
   * @param admitted the admission as it was asked of this store (consumer, limits, periods)
   * @param tokens the input plus output tokens the request used
   */
  default void addOutageUsage(AdmitCall admitted, long costNanoUsd, long tokens) {}

  /** What a consumer has spent (settled requests) on a day and in a month. */
  Future<Spend> spend(String consumer, String day, String month);

  /**
   * What each of {@code consumers} has spent on a day and in a month, in their order: the spend
   * report of every consumer at once ({@code GET /admin/consumers}), which a store reads in a few
   * round trips rather than one per consumer.
   */
  default Future<List<Spend>> spends(List<String> consumers, String day, String month) {
    List<Future<Spend>> each = new ArrayList<>(consumers.size());
    for (String consumer : consumers) {
      each.add(spend(consumer, day, month));
    }
    return Future.all(each).map(CompositeFuture::<Spend>list);
  }

  /** Whether the counts are shared with other replicas. */
  boolean shared();

  /** Releases connections. */
  Future<Void> close();
}
