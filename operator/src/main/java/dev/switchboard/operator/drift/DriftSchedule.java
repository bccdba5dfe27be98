package dev.switchboard.operator.drift;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
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

  /**
   * The first scheduled time strictly after {@code after}. Walks the zone's spans of one UTC offset
   * forward from {@code after}, one cron evaluation per span (plus one at a daylight-saving gap or
   * a repeated hour): the first wall-clock match inside a span is its first scheduled instant, so a
   * minutely schedule costs what a yearly one does.
   */
  public Optional<Instant> next(Instant after) {
    ZoneRules rules = zone.getRules();
    ZoneOffset offset = rules.getOffset(after);
    LocalDateTime from = LocalDateTime.ofInstant(after, offset);
    Optional<LocalDateTime> match = nextWallClock(from);
    while (true) {
      ZoneOffsetTransition end = rules.nextTransition(after);
      if (match.isEmpty()) {
        return Optional.empty();
      }
      if (fixedHour && isSecondOccurrence(match.get(), offset)) {
        // A named hour's repeated time ran at its first occurrence, before this span.
        match = nextWallClock(rules.getTransition(match.get()).getDateTimeBefore().minusSeconds(1));
        if (match.isEmpty()) {
          return Optional.empty();
        }
      }
      Instant at = match.get().toInstant(offset);
      if (end == null || at.isBefore(end.getInstant())) {
        return Optional.of(at);
      }
      // Nothing in this span: the next span starts at the transition. A time in a gap runs there.
      if (end.isGap()) {
        Optional<LocalDateTime> inGap = nextWallClock(end.getDateTimeBefore().minusSeconds(1));
        if (inGap.isPresent() && inGap.get().isBefore(end.getDateTimeAfter())) {
          return Optional.of(end.getInstant());
        }
      }
      after = end.getInstant();
      offset = end.getOffsetAfter();
      // From the span's first wall-clock time on (a repeated hour's times included).
      match = nextWallClock(end.getDateTimeAfter().minusSeconds(1));
    }
  }

  /**
   * The latest scheduled time at or before {@code now}: as {@link #next}, backwards through the
   * zone's spans of one UTC offset.
   */
  public Optional<Instant> latest(Instant now) {
    ZoneRules rules = zone.getRules();
    ZoneOffset offset = rules.getOffset(now);
    // lastExecution is strictly before its argument: one second on takes a time of now itself.
    LocalDateTime before =
        LocalDateTime.ofInstant(now, offset).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    // The transition that began this span, if any (at or before now).
    ZoneOffsetTransition start = rules.previousTransition(now.plusNanos(1));
    while (true) {
      Optional<LocalDateTime> match = lastWallClock(before);
      if (match.isEmpty()) {
        return Optional.empty();
      }
      boolean skipped = fixedHour && isSecondOccurrence(match.get(), offset);
      Instant at = match.get().toInstant(offset);
      if (!skipped && (start == null || !at.isBefore(start.getInstant()))) {
        return Optional.of(at);
      }
      if (start == null) {
        return Optional.empty(); // only a skipped repeat, and no earlier span: not reachable
      }
      if (start.isGap()) {
        Optional<LocalDateTime> inGap = lastWallClock(start.getDateTimeAfter());
        if (inGap.isPresent() && !inGap.get().isBefore(start.getDateTimeBefore())) {
          return Optional.of(start.getInstant());
        }
      }
      offset = start.getOffsetBefore();
      before = start.getDateTimeBefore();
      start = rules.previousTransition(start.getInstant());
    }
  }

  private Optional<LocalDateTime> nextWallClock(LocalDateTime after) {
    return times.nextExecution(after.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
  }

  private Optional<LocalDateTime> lastWallClock(LocalDateTime before) {
    return times.lastExecution(before.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
  }

  /** Whether {@code wallClock} at {@code offset} is the second occurrence of a repeated time. */
  private boolean isSecondOccurrence(LocalDateTime wallClock, ZoneOffset offset) {
    List<ZoneOffset> offsets = zone.getRules().getValidOffsets(wallClock);
    return offsets.size() == 2 && offsets.get(1).equals(offset);
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
