package dev.switchboard.gateway.logging;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * JSON's standard escapes plus {@code \u0085} (NEL), {@code \u2028} and {@code \u2029}, which JSON
 * lets through raw but which line-oriented readers (Python's {@code splitlines}, JavaScript before
 * ES2019, some log shippers) take for line ends: a client's prompt or an upstream's text holding
 * one would cut a log line in two, the second half a forged line. Escaped, every log document stays
 * one line for every reader. ASCII is escaped from the standard table as before; only non-ASCII
 * characters cost a call.
 */
final class LineSafeEscapes extends CharacterEscapes {

  static final LineSafeEscapes INSTANCE = new LineSafeEscapes();

  private static final SerializedString NEL = new SerializedString("\\u0085");
  private static final SerializedString LINE_SEPARATOR = new SerializedString("\\u2028");
  private static final SerializedString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

  private final int[] ascii = CharacterEscapes.standardAsciiEscapesForJSON();

  private LineSafeEscapes() {}

  @Override
  public int[] getEscapeCodesForAscii() {
    return ascii;
  }

  @Override
  public SerializableString getEscapeSequence(int ch) {
    return switch (ch) {
      case 0x85 -> NEL;
      case 0x2028 -> LINE_SEPARATOR;
      case 0x2029 -> PARAGRAPH_SEPARATOR;
      default -> null;
    };
  }
}
