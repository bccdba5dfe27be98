package dev.switchboard.gateway.state;

import java.util.List;

/**
 * The end of an admitted request: its real cost replaces the reservation, its tokens are charged.
 *
 * @param costNanoUsd what the request really cost in nano-USD
 * @param tokens the input plus output tokens it used (charged to the token buckets)
 */
public record SettleCall(
    String consumer,
    String reservationId,
    List<Limit> limits,
    long nowMs,
    long costNanoUsd,
    long tokens,
    String day,
    String month) {

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
