package dev.switchboard.contract;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the API's duration strings ({@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}). */
public final class Durations {

  /** The pattern the CRD schema enforces for every duration field. */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");
  private static final Pattern WHOLE = Pattern.compile(PATTERN);

  private Durations() {}

  /**
   * Milliseconds of a duration string such as {@code 1m30s}.
   *
   * @throws IllegalArgumentException when the text is not a duration
   */
  public static long toMillis(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (examples: 250ms, 2s, 5m, 1h)");
    }
    Matcher m = PART.matcher(text);
    double total = 0;
    while (m.find()) {
      double value = Double.parseDouble(m.group(1));
      total +=
          switch (m.group(2)) {
            case "ms" -> value;
            case "s" -> value * 1_000;
            case "m" -> value * 60_000;
            default -> value * 3_600_000;
          };
    }
    return Math.round(total);
  }

  /** Milliseconds of {@code text}, or null when text is null. */
  public static Long toMillisOrNull(String text) {
    return text == null ? null : toMillis(text);
  }
}
