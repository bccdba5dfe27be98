package dev.switchboard.gateway.refusal;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Recognises a plain-text refusal ("I'm sorry, but I can't help with that.") at the beginning of a
 * model's answer, in English, Chinese (simplified), French, German, Spanish, Japanese, Portuguese
 * and Italian.
 *
 * <p>Models refuse in their first sentences, so only the first {@link #MAX_CHARS} characters are
 * examined. The text is normalised first (lower case, typographic apostrophes and quotes folded,
 * markdown emphasis dropped, whitespace collapsed, full-width CJK punctuation folded to ASCII),
 * then matched against precompiled phrase patterns ({@link RefusalRules}). A match does not count
 * when it is
 *
 * <ul>
 *   <li>inside a quotation or code (an odd number of {@code "}, {@code «»}, {@code 「」}, or of
 *       backticks, before it; or a single quote right before it): "If the API says 'I cannot
 *       connect'…" quotes a refusal, it is not one;
 *   <li>followed, within {@link #HELP_WINDOW} characters, by a pivot to the help that was asked for
 *       ("…, but here are some general principles"): a partial refusal that still delivers is an
 *       answer. A pivot to something else ("but I can help you study instead") is still a refusal.
 * </ul>
 *
 * <p>Capability disclaimers ("I can't access real-time data, but…", "I'm not a doctor, but…") are
 * answers, not refusals: the patterns match declining verbs aimed at the request (help, assist,
 * provide that, comply, write/create…), not statements about what the model can perceive.
 *
 * <p>Thread-safe and allocation-light: one normalised copy of at most {@link #MAX_CHARS} characters
 * per call, and regular expressions run only when a language's cheap trigger substrings occur. It
 * is meant to run once per answer (not per streamed chunk); {@link AnswerOpening} collects the
 * opening of a streamed answer. Measured precision and recall per language are in the module README
 * ("Text refusals").
 */
public final class RefusalDetector {

  /** How many characters of an answer are examined; refusals show in the first sentences. */
  public static final int MAX_CHARS = 400;

  /** How far after a declining phrase a pivot to the requested help is looked for. */
  static final int HELP_WINDOW = 160;

  /** The languages the phrase patterns cover, as ISO 639-1 codes. */
  public static final List<String> LANGUAGES = RefusalRules.LANGUAGES;

  private static final RefusalDetector STANDARD = new RefusalDetector(RefusalRules.standard());

  /** What made an answer a refusal: the language of the rule and the phrase it matched. */
  public record Match(String language, String phrase) {}

  private final List<RefusalRules.Rule> rules;
  private final TriggerScan triggers;

  RefusalDetector(List<RefusalRules.Rule> rules) {
    this.rules = List.copyOf(rules);
    this.triggers = new TriggerScan(this.rules);
  }

  /** The detector with the built-in phrase patterns of {@link #LANGUAGES}. */
  public static RefusalDetector standard() {
    return STANDARD;
  }

  /**
   * Whether the answer beginning with {@code text} is a refusal. Only the first {@link #MAX_CHARS}
   * characters are read; null or empty text is not a refusal.
   */
  public boolean isRefusal(CharSequence text) {
    return find(text, true).isPresent();
  }

  /**
   * The declining phrase that makes the answer beginning with {@code text} a refusal, if any; for
   * evaluation and debugging ({@link #isRefusal} is the same decision).
   */
  public Optional<Match> match(CharSequence text) {
    return find(text, true);
  }

  /** As {@link #match}, with the trigger prefilter on or off (off only to test the prefilter). */
  Optional<Match> find(CharSequence text, boolean prefilter) {
    if (text == null || text.length() == 0) {
      return Optional.empty();
    }
    String s = normalise(text);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    boolean cjk = hasCjk(s);
    // The rules whose triggers occur, in one pass over the text (TriggerScan).
    long triggered = prefilter ? triggers.rulesTriggeredBy(s) : -1L;
    for (int r = 0; r < rules.size(); r++) {
      RefusalRules.Rule rule = rules.get(r);
      if (prefilter && ((rule.cjk() && !cjk) || (triggered & (1L << r)) == 0)) {
        continue;
      }
      Matcher m = rule.pattern().matcher(s);
      while (m.find()) {
        if (!quoted(s, m.start()) && !helpFollows(s, m.end())) {
          return Optional.of(new Match(rule.language(), m.group()));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the text has a CJK ideograph or kana: else the Chinese and Japanese rules can't match.
   */
  private static boolean hasCjk(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '\u3040' && c <= '\u9FFF') { // kana, CJK symbols, CJK unified ideographs
        return true;
      }
    }
    return false;
  }

  /** Whether the phrase starting at {@code start} is quoted: it is someone else's words. */
  private static boolean quoted(String s, int start) {
    if (start > 0 && s.charAt(start - 1) == '\'') {
      return true;
    }
    int quotes = 0;
    int backticks = 0;
    for (int i = 0; i < start; i++) {
      char c = s.charAt(i);
      if (c == '"') {
        quotes++;
      } else if (c == '`') {
        backticks++; // inline code and ``` fences alike: odd means inside code
      }
    }
    return (quotes & 1) == 1 || (backticks & 1) == 1;
  }

  private static boolean helpFollows(String s, int end) {
    Matcher pivot = RefusalRules.HELP_PIVOT.matcher(s);
    pivot.region(end, Math.min(s.length(), end + HELP_WINDOW));
    return pivot.find();
  }

  /**
   * The first {@link #MAX_CHARS} characters of {@code text} in the form the patterns are written
   * for: lower case; ’ ‘ ʼ ´ folded to {@code '}; “ ” „ « » 「 」 『 』 folded to {@code "}; backticks
   * kept (they mark code); markdown {@code * _ #} and {@code ~} dropped; every run of whitespace
   * (including no-break and ideographic spaces) one space; full-width {@code ，、。！？：；} folded to
   * ASCII; dashes to {@code -}.
   */
  static String normalise(CharSequence text) {
    int n = Math.min(text.length(), MAX_CHARS);
    char[] out = new char[n];
    int len = 0;
    boolean space = true; // drops leading whitespace and collapses runs
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      char f = c < ASCII_FOLD.length ? ASCII_FOLD[c] : fold(c);
      if (f == 0) {
        continue;
      }
      if (f == ' ') {
        if (!space) {
          out[len++] = ' ';
          space = true;
        }
        continue;
      }
      out[len++] = f;
      space = false;
    }
    if (len > 0 && out[len - 1] == ' ') {
      len--;
    }
    return new String(out, 0, len);
  }

  /** {@link #fold} of every ASCII character, looked up rather than branched on (most text). */
  private static final char[] ASCII_FOLD = new char[128];

  static {
    for (char c = 0; c < ASCII_FOLD.length; c++) {
      ASCII_FOLD[c] = fold(c);
    }
  }

  /** One character folded for matching; 0 drops it, ' ' is whitespace. */
  private static char fold(char c) {
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') {
        return (char) (c + 32);
      }
      return switch (c) {
        case '*', '_', '#', '~' -> 0;
        case '\t', '\n', '\r', '\f', 0x0B -> ' ';
        default -> c;
      };
    }
    return switch (c) {
      case '\u2019', '\u2018', '\u02BC', '\u00B4', '\u2032', '\uFF07' -> '\'';
      case '\u201C',
          '\u201D',
          '\u201E',
          '\u00AB',
          '\u00BB',
          '\u300C',
          '\u300D',
          '\u300E',
          '\u300F',
          '\u2039',
          '\u203A',
          '\uFF02' ->
          '"';
      case '\u00A0', '\u202F', '\u2007', '\u3000', '\u2028', '\u2029' -> ' ';
      case '\uFF0C', '\u3001' -> ',';
      case '\u3002' -> '.';
      case '\uFF01' -> '!';
      case '\uFF1F' -> '?';
      case '\uFF1A' -> ':';
      case '\uFF1B' -> ';';
      case '\u2014', '\u2013', '\u2012', '\u2015' -> '-';
      case '\u2026' -> '.';
      default -> Character.isWhitespace(c) ? ' ' : Character.toLowerCase(c);
    };
  }
}
