package dev.switchboard.contract;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A recurring local time window ({@code days}, {@code from}, {@code to}, {@code timeZone}) as used
 * by policy schedules and price windows, compiled once and evaluated on any instant. The window is
 * read in local wall-clock time of its zone: it starts on each of its days at {@code from} and ends
 * at {@code to} on the same day, or on the next day when {@code to <= from} (it crosses midnight).
 * {@code 24:00} as {@code to} means the end of the day. On a daylight-saving night a window
 * therefore lasts an hour more or less in real time, and a {@code from} inside the skipped hour
 * starts at the first instant after the gap — exactly what a price list in local time means.
 */
public final class TimeWindow {

  private static final int MINUTES_PER_DAY = 24 * 60;

  private final String name;
  private final Set<DayOfWeek> days;
  private final int fromMinute;
  private final int toMinute;
  private final ZoneId zone;

  private TimeWindow(String name, Set<DayOfWeek> days, int fromMinute, int toMinute, ZoneId zone) {
    this.name = name;
    this.days = days;
    this.fromMinute = fromMinute;
    this.toMinute = toMinute;
    this.zone = zone;
  }

  /**
   * Compiles a window; throws {@link IllegalArgumentException} saying what is wrong.
   *
   * @param days {@code Mon}..{@code Sun}; null or empty for every day
   * @param timeZone an IANA zone; null for UTC
   */
  public static TimeWindow of(
      String name, List<String> days, String from, String to, String timeZone) {
    Set<DayOfWeek> parsedDays = EnumSet.noneOf(DayOfWeek.class);
    if (days == null || days.isEmpty()) {
      parsedDays = EnumSet.allOf(DayOfWeek.class);
    } else {
      for (String day : days) {
        parsedDays.add(day(day));
      }
    }
    int fromMinute = minute(from, false);
    int toMinute = minute(to, true);
    if (fromMinute == toMinute) {
      throw new IllegalArgumentException("from and to must differ");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone '" + timeZone + "'");
    }
    return new TimeWindow(name, parsedDays, fromMinute, toMinute, zone);
  }

  /** The compiled window, or the reason it does not compile. */
  public static Optional<String> problem(
      String name, List<String> days, String from, String to, String timeZone) {
    try {
      of(name, days, from, to, timeZone);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  public String name() {
    return name;
  }

  /** Whether {@code instant} lies inside the window (start inclusive, end exclusive). */
  public boolean contains(Instant instant) {
    LocalDateTime local = LocalDateTime.ofInstant(instant, zone);
    int minute = local.getHour() * 60 + local.getMinute();
    DayOfWeek day = local.getDayOfWeek();
    if (fromMinute < toMinute) {
      return days.contains(day) && minute >= fromMinute && minute < toMinute;
    }
    // Crosses midnight: the evening part of a listed day, or the morning after one.
    return (days.contains(day) && minute >= fromMinute)
        || (days.contains(day.minus(1)) && minute < toMinute);
  }

  /**
   * Whether the two windows share an instant. Two half-open intervals overlap exactly when one
   * contains the other's start, so the starts of both windows are checked over two sample weeks,
   * one in January and one in July, which covers both offsets of every daylight-saving zone.
   */
  public boolean overlaps(TimeWindow other) {
    return startsInside(other, this) || startsInside(this, other);
  }

  private static boolean startsInside(TimeWindow starting, TimeWindow container) {
    for (int month : new int[] {1, 7}) {
      LocalDate monday =
          LocalDate.of(2030, month, 1).with(TemporalAdjusters.nextOrSame(DayOfWeek.MONDAY));
      for (int d = 0; d < 7; d++) {
        LocalDate date = monday.plusDays(d);
        if (!starting.days.contains(date.getDayOfWeek())) {
          continue;
        }
        Instant start =
            ZonedDateTime.of(
                    date, LocalTime.ofSecondOfDay(starting.fromMinute * 60L), starting.zone)
                .toInstant();
        if (container.contains(start)) {
          return true;
        }
      }
    }
    return false;
  }

  private static DayOfWeek day(String value) {
    if (value != null) {
      for (DayOfWeek d : DayOfWeek.values()) {
        if (d.name().substring(0, 3).equalsIgnoreCase(value)) {
          return d;
        }
      }
    }
    throw new IllegalArgumentException("day '" + value + "' is not one of Mon..Sun");
  }

  /** Minutes after midnight of {@code HH:MM}; {@code 24:00} only as an end. */
  private static int minute(String value, boolean end) {
    if (value != null && value.matches("\\d\\d:\\d\\d")) {
      int hours = Integer.parseInt(value.substring(0, 2));
      int minutes = Integer.parseInt(value.substring(3));
      int total = hours * 60 + minutes;
      if (hours < 24 && minutes < 60) {
        return total;
      }
      if (end && total == MINUTES_PER_DAY) {
        // 24:00 ends with the day; as a crossing end it is the same as 00:00 of the next day.
        return MINUTES_PER_DAY;
      }
    }
    throw new IllegalArgumentException(
        "time '" + value + "' is not HH:MM (00:00-23:59" + (end ? " or 24:00)" : ")"));
  }
}
