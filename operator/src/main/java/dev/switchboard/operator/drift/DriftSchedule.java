package dev.switchboard.operator.drift;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A drift check's cron schedule in its time zone (cron-utils, Unix cron: minute hour day-of-month
 * month day-of-week, plus the {@code @daily}-style macros), and the decision the operator takes
 * from it and the state it keeps in status: run now, or wait until the next time.
 *
 * <p>The expression is matched against wall-clock times of the zone (cron-utils in UTC, so that it
 * never moves a time itself), and each matching wall-clock time is then placed in the zone:
 *
 * <ul>
 *   <li>a time in the gap when daylight saving starts (02:30 in Berlin on the last Sunday of March)
 *       runs at the next valid instant, the end of the gap (03:00 CEST), that day — not a day
 *       later;
 *   <li>a time in the hour repeated when daylight saving ends runs once, at its first occurrence,
 *       when the schedule names its hours ({@code 30 2 * * *}); a schedule whose hour field is
 *       {@code *} or {@code *}{@code /n} ({@code 0 * * * *}, {@code @hourly}) runs at both, as they
 *       are an hour of real time apart.
 * </ul>
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

  /**
   * Longer than any daylight-saving shift (one hour in most zones, two in Antarctica/Troll): how
   * far before a wall-clock time a schedule time of the repeated hour can lie.
   */
  private static final Duration SHIFT_MARGIN = Duration.ofHours(3);

  /** At most this many wall-clock times are looked at per lookup (a minutely schedule: 3 h). */
  private static final int MAX_STEPS = 400;

  /** Matches wall-clock times: evaluated in UTC, which has no gaps or repeats. */
  private final ExecutionTime times;

  private final ZoneId zone;

  /** Whether the hour field names hours (not {@code *}): a repeated hour then runs once. */
  private final boolean fixedHour;

  private DriftSchedule(ExecutionTime times, ZoneId zone, boolean fixedHour) {
    this.times = times;
    this.zone = zone;
    this.fixedHour = fixedHour;
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
      ExecutionTime times = ExecutionTime.forCron(PARSER.parse(expression));
      String[] fields = expression.split("\\s+");
      boolean fixedHour = fields.length < 2 || !fields[1].contains("*");
      return new DriftSchedule(times, zone, fixedHour);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "schedule \"" + cron + "\" is not a valid cron expression: " + e.getMessage());
    }
  }

  /** The first scheduled time strictly after {@code after}. */
  public Optional<Instant> next(Instant after) {
    // Wall-clock times map to instants in order (a gap's times to its end), except that the second
    // occurrence of a repeated hour's time comes after later wall-clock times' first: so start a
    // margin back and stop once a wall-clock time's earliest instant is past the best found.
    LocalDateTime cursor = LocalDateTime.ofInstant(after, zone).minus(SHIFT_MARGIN);
    Instant best = null;
    for (int step = 0; step < MAX_STEPS; step++) {
      Optional<LocalDateTime> match = nextWallClock(cursor);
      if (match.isEmpty()) {
        break;
      }
      cursor = match.get();
      List<Instant> at = instants(cursor);
      if (best != null && !at.get(0).isBefore(best)) {
        break;
      }
      for (Instant i : at) {
        if (i.isAfter(after) && (best == null || i.isBefore(best))) {
          best = i;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** The latest scheduled time at or before {@code now}. */
  public Optional<Instant> latest(Instant now) {
    // As next(), backwards: start a margin ahead (a later wall-clock time's first occurrence can
    // precede a repeated time's second), and stop once a wall-clock time's latest instant is not
    // past the best found.
    LocalDateTime cursor = LocalDateTime.ofInstant(now, zone).plus(SHIFT_MARGIN);
    Instant best = null;
    for (int step = 0; step < MAX_STEPS; step++) {
      Optional<LocalDateTime> match =
          times.lastExecution(cursor.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
      if (match.isEmpty()) {
        break;
      }
      cursor = match.get();
      List<Instant> at = instants(cursor);
      if (best != null && !at.get(at.size() - 1).isAfter(best)) {
        break;
      }
      for (Instant i : at) {
        if (!i.isAfter(now) && (best == null || i.isAfter(best))) {
          best = i;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  private Optional<LocalDateTime> nextWallClock(LocalDateTime after) {
    return times.nextExecution(after.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
  }

  /**
   * The instants a matching wall-clock time is run at, earliest first: one, except for a time of
   * the repeated hour under a schedule without fixed hours (both occurrences); a time in a gap runs
   * at the gap's end.
   */
  private List<Instant> instants(LocalDateTime wallClock) {
    ZoneRules rules = zone.getRules();
    List<ZoneOffset> offsets = rules.getValidOffsets(wallClock);
    if (offsets.isEmpty()) {
      return List.of(rules.getTransition(wallClock).getInstant());
    }
    Instant first = wallClock.toInstant(offsets.get(0));
    if (offsets.size() == 1 || fixedHour) {
      return List.of(first);
    }
    return List.of(first, wallClock.toInstant(offsets.get(1)));
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
    } else if (due != null && due.isAfter(lastScheduled)) {
      // One or more schedule times passed since the last run (the operator was down at 03:00,
      // or this is simply the time): run once, however many were missed.
      decision = new Decision(true, due, null);
    } else {
      decision = new Decision(false, lastScheduled, null);
    }
    return new Decision(decision.runNow(), decision.scheduled(), next(now).orElse(null));
  }

  /**
   * @param runNow whether a run is due
   * @param scheduled the schedule time a run now is for (kept as {@code status.drift
   *     .lastScheduled})
   * @param next the next schedule time after now (null if the expression has none)
   */
  public record Decision(boolean runNow, Instant scheduled, Instant next) {}
}
