package dev.switchboard.gateway.consumer;

import java.time.LocalDate;

/**
 * The UTC day and month a consumer's spend is counted in, as the state store names them ({@code
 * 2026-05-01}, {@code 2026-05}). Admission ({@code ConsumerStage}) and the spend report ({@code
 * ConsumerSpendHandler}) both take them from here, so a request is reported in the period it was
 * counted in, to the millisecond.
 */
public record BudgetPeriod(long epochDay, String day, String month) {

  private static final long DAY_MS = 86_400_000L;

  /** The period holding {@code epochMillis} (UTC), made afresh: {@link Days} remembers it. */
  public static BudgetPeriod of(long epochMillis) {
    long epochDay = Math.floorDiv(epochMillis, DAY_MS);
    String day = LocalDate.ofEpochDay(epochDay).toString();
    return new BudgetPeriod(epochDay, day, day.substring(0, 7));
  }

  /**
   * The period last asked for, remembered by whoever reads the clock (one per {@code
   * ConsumerStage}, one per {@code ConsumerSpendHandler}): made once per day, then a field read, so
   * a request allocates nothing for it. Per owner, not per process: gateways in one JVM on clocks
   * days apart (tests fast-forwarding one) do not make each other's period again on every call.
   */
  public static final class Days {

    private volatile BudgetPeriod last = new BudgetPeriod(Long.MIN_VALUE, "", "");

    /** The period holding {@code epochMillis} (UTC); the same instance all day. */
    public BudgetPeriod at(long epochMillis) {
      BudgetPeriod p = last;
      if (p.epochDay() != Math.floorDiv(epochMillis, DAY_MS)) {
        p = of(epochMillis);
        last = p;
      }
      return p;
    }
  }
}
