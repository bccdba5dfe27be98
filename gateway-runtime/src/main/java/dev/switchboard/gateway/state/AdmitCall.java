package dev.switchboard.gateway.state;

import java.util.List;

/**
 * One admission: the consumer, the request's reservation id (unique per request on this replica,
 * never the client's request id; idempotency key), its rate limits, the cost to reserve, and the
 * budget periods it falls in.
 *
 * @param nowMs wall time of the gateway clock (buckets refill by it)
 * @param reserveNanoUsd the request's maximum cost in nano-USD (0: nothing to reserve)
 * @param day the UTC day, {@code 2026-05-01}
 * @param month the UTC month, {@code 2026-05}
 * @param dayLimitNanoUsd the daily budget, or -1 for none
 * @param monthLimitNanoUsd the monthly budget, or -1 for none
 */
public record AdmitCall(
    String consumer,
    String reservationId,
    List<Limit> limits,
    long nowMs,
    long reserveNanoUsd,
    String day,
    String month,
    long dayLimitNanoUsd,
    long monthLimitNanoUsd) {}
