package dev.switchboard.operator.drift;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A drift check's cron schedule in its time zone (cron-utils, Unix cron: minute hour day-of-month
 * month day-of-week, plus the {@code @daily}-style macros), and the decision the operator takes
 * from it and the state it keeps in status: run now, or wait until the next time. Daylight-saving
 * gaps and overlaps follow cron-utils (a 02:30 schedule on a day without 02:30 runs at the next
 * valid time; a repeated hour runs once).
 */
public final class DriftSchedule {

  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@hourly", "0 * * * *");

  private final ExecutionTime times;
  private final ZoneId zone;

  private DriftSchedule(ExecutionTime times, ZoneId zone) {
    this.times = times;
    this.zone = zone;
  }

  /**
   * Parses {@code cron} in {@code timeZone} (UTC when null).
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  public static DriftSchedule parse(String cron, String timeZone) {
    ZoneId zone;
    try {
      zone = timeZone == null || timeZone.isBlank() ? ZoneId.of("UTC") : ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone \"" + timeZone + "\"");
    }
    if (cron == null || cron.isBlank()) {
      throw new IllegalArgumentException("the schedule is empty");
    }
    String expression = cron.trim();
    expression = MACROS.getOrDefault(expression.toLowerCase(Locale.ROOT), expression);
    try {
      return new DriftSchedule(ExecutionTime.forCron(PARSER.parse(expression)), zone);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "schedule \"" + cron + "\" is not a valid cron expression: " + e.getMessage());
    }
  }

  /** The first scheduled time strictly after {@code after}. */
  public Optional<Instant> next(Instant after) {
    return times.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
  }

  /** The latest scheduled time at or before {@code now}. */
  public Optional<Instant> latest(Instant now) {
    ZonedDateTime at = ZonedDateTime.ofInstant(now, zone);
    if (times.isMatch(at.withNano(0)) && at.getSecond() == 0 && at.getNano() == 0) {
      return Optional.of(now);
    }
    return times.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /**
   * What to do now.
   *
   * @param lastScheduled the schedule time the last run was for (from status), null before the
   *     first run
   * @param now the operator's clock
   */
  public Decision decide(Instant lastScheduled, Instant now) {
    Instant due = latest(now).orElse(null);
    Decision decision;
    if (lastScheduled == null) {
      // Never ran: the first run takes the baseline at once rather than a day later.
      decision = new Decision(true, due == null ? now : due, null);
    } else if (due != null && due.isAfter(lastScheduled) && !sameWallClock(due, lastScheduled)) {
      // One or more schedule times passed since the last run (the operator was down at 03:00,
      // or this is simply the time): run once, however many were missed. The second 02:30 of
      // the hour repeated when daylight saving ends is the time already run for, not a new one.
      decision = new Decision(true, due, null);
    } else {
      decision = new Decision(false, lastScheduled, null);
    }
    Instant next = next(now).orElse(null);
    if (next != null && sameWallClock(next, decision.scheduled())) {
      next = next(next).orElse(null);
    }
    return new Decision(decision.runNow(), decision.scheduled(), next);
  }

  /**
   * Whether two instants read the same in the schedule's zone: the two occurrences of one local
   * time in the hour repeated when daylight saving ends, which are one schedule time.
   */
  private boolean sameWallClock(Instant a, Instant b) {
    return LocalDateTime.ofInstant(a, zone).equals(LocalDateTime.ofInstant(b, zone));
  }

  /**
   * @param runNow whether a run is due
   * @param scheduled the schedule time a run now is for (kept as {@code status.drift
   *     .lastScheduled})
   * @param next the next schedule time after now (null if the expression has none)
   */
  public record Decision(boolean runNow, Instant scheduled, Instant next) {}
}
