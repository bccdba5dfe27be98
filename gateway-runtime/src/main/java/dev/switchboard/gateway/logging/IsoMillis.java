package dev.switchboard.gateway.logging;

/**
 * UTC timestamps in ISO-8601 with milliseconds ({@code 2026-12-05T02:53:07.123Z}), written into a
 * caller's buffer: {@code Instant.toString} builds them through a formatter and a StringBuilder,
 * which the allocation profile showed on every request line. Always three fraction digits (parsed
 * by {@code Instant.parse} like any ISO instant).
 */
final class IsoMillis {

  /** Longest output: a five-digit year would need more, which a request log never sees. */
  static final int MAX_LENGTH = 24;

  private IsoMillis() {}

  /** Writes {@code epochMillis} into {@code out} and returns the number of characters. */
  static int format(long epochMillis, char[] out) {
    long days = Math.floorDiv(epochMillis, 86_400_000L);
    int msOfDay = (int) Math.floorMod(epochMillis, 86_400_000L);
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil inverse).
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, msOfDay / 3_600_000, 2);
    out[13] = ':';
    digits(out, 14, msOfDay / 60_000 % 60, 2);
    out[16] = ':';
    digits(out, 17, msOfDay / 1_000 % 60, 2);
    out[19] = '.';
    digits(out, 20, msOfDay % 1_000, 3);
    out[23] = 'Z';
    return MAX_LENGTH;
  }

  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
