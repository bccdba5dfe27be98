package dev.switchboard.gateway.state;

import java.util.List;

/**
 * The end of an admitted request: its real cost replaces the reservation, its tokens are charged.
 *
 * @param costNanoUsd what the request really cost in nano-USD
 * @param tokens the input plus output tokens it used (charged to the token buckets)
 * @param unserved the request was refused after admission without being served (a route's rate
 *     limit): the request it took is given back to the request buckets (up to their capacity)
 */
public record SettleCall(
    String consumer,
    String reservationId,
    List<Limit> limits,
    long nowMs,
    long costNanoUsd,
    long tokens,
    String day,
    String month,
    boolean unserved) {

  /** A served request's settlement. */
  public SettleCall(
      String consumer,
      String reservationId,
      List<Limit> limits,
      long nowMs,
      long costNanoUsd,
      long tokens,
      String day,
      String month) {
    this(consumer, reservationId, limits, nowMs, costNanoUsd, tokens, day, month, false);
  }

  /**
   * The settlement of an admission refused afterwards without being served: nothing spent, its
   * request given back.
   */
  public static SettleCall unserved(AdmitCall admitted, long nowMs) {
    return new SettleCall(
        admitted.consumer(),
        admitted.reservationId(),
        admitted.limits(),
        nowMs,
        0,
        0,
        admitted.day(),
        admitted.month(),
        true);
  }

  /** The settlement of an admission. */
  public static SettleCall of(AdmitCall admitted, long nowMs, long costNanoUsd, long tokens) {
    return new SettleCall(
        admitted.consumer(),
        admitted.reservationId(),
        admitted.limits(),
        nowMs,
        costNanoUsd,
        tokens,
        admitted.day(),
        admitted.month());
  }
}
