package dev.switchboard.operator.logging;

/**
 * Escapes the characters that line-oriented log readers take for a line end, so that text relayed
 * into a log message (a resource's field, an API server's or a gateway's error) cannot start a
 * forged log line: CR and LF as {@code \r} and {@code \n}; VT, FF, the file/group/record separators
 * (Python's {@code splitlines}), NEL, U+2028 and U+2029 as {@code \}{@code uXXXX}, as the gateway's
 * JSON log escapes them. Everything else is kept, and a string without any of them is returned as
 * it is (no copy).
 */
public final class OneLine {

  private OneLine() {}

  /** The text with every line-end character escaped; null stays null. */
  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    int first = 0;
    while (first < text.length() && !breaksLine(text.charAt(first))) {
      first++;
    }
    if (first == text.length()) {
      return text;
    }
    StringBuilder escaped = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\r' -> escaped.append("\\r");
        case '\n' -> escaped.append("\\n");
        default -> {
          if (breaksLine(c)) {
            escaped.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            escaped.append(c);
          }
        }
      }
    }
    return escaped.toString();
  }

  private static boolean breaksLine(char c) {
    return switch (c) {
      case '\n',
          '\u000b',
          '\u000c',
          '\r',
          '\u001c',
          '\u001d',
          '\u001e',
          '\u0085',
          '\u2028',
          '\u2029' ->
          true;
      default -> false;
    };
  }
}
