package dev.switchboard.contract;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the API's byte sizes, written as Kubernetes quantities with a binary suffix ({@code
 * 512Ki}, {@code 64Mi}, {@code 1Gi}) or as plain bytes ({@code 1048576}).
 */
public final class ByteSizes {

  /** The pattern the CRD schema enforces for every byte size field. */
  public static final String PATTERN = "^[0-9]{1,12}(Ki|Mi|Gi)?$";

  private static final Pattern WHOLE = Pattern.compile(PATTERN);

  private ByteSizes() {}

  /**
   * Bytes of a size such as {@code 64Mi}.
   *
   * @throws IllegalArgumentException when the text is not a size
   */
  public static long toBytes(String text) {
    Matcher m = text == null ? null : WHOLE.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (examples: 512Ki, 64Mi, 1Gi, 1048576)");
    }
    String suffix = m.group(1);
    long number = Long.parseLong(suffix == null ? text : text.substring(0, text.length() - 2));
    long unit =
        suffix == null
            ? 1
            : switch (suffix) {
              case "Ki" -> 1L << 10;
              case "Mi" -> 1L << 20;
              default -> 1L << 30;
            };
    // At most 12 digits times 2^30 stays far below Long.MAX_VALUE.
    return number * unit;
  }

  /** Bytes of {@code text}, or null when text is null. */
  public static Long toBytesOrNull(String text) {
    return text == null ? null : toBytes(text);
  }
}
