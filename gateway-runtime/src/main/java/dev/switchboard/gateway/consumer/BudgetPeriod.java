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

  /** The last period made: the same one (and strings) for every call that day. */
  private static volatile BudgetPeriod last = new BudgetPeriod(Long.MIN_VALUE, "", "");

  /** The period holding {@code epochMillis} (UTC); made once per day, then a field read. */
  public static BudgetPeriod at(long epochMillis) {
    long epochDay = Math.floorDiv(epochMillis, DAY_MS);
    BudgetPeriod p = last;
    if (p.epochDay() != epochDay) {
      String day = LocalDate.ofEpochDay(epochDay).toString();
      p = new BudgetPeriod(epochDay, day, day.substring(0, 7));
      last = p;
    }
    return p;
  }
}
