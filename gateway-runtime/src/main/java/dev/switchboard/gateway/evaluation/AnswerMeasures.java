package dev.switchboard.gateway.evaluation;

/**
 * What one evaluated answer measured: the figures compared between arms. {@code ttftMs} and {@code
 * costUsd} may be NaN when unknown (no first token, no price); {@code failed} answers carry no
 * other figure.
 */
public record AnswerMeasures(
    boolean failed,
    boolean refused,
    double outputTokens,
    double words,
    double sentences,
    double ttftMs,
    double latencyMs,
    double costUsd,
    String excerpt) {

  /** The figures compared as ratios of means, in a fixed order (names match the admin JSON). */
  public static final String[] FIGURES = {
    "outputTokens", "words", "sentences", "ttftMs", "latencyMs", "costUsd"
  };

  /**
   * A mirror that was never sent: no key, quota or bulkhead exhausted. Not a model's failure, so it
   * is counted apart ({@link #skipped()}), never as an error. One instance, told apart by identity.
   */
  public static final AnswerMeasures SKIPPED =
      new AnswerMeasures(true, false, 0, 0, 0, Double.NaN, 0, Double.NaN, null);

  /** Whether the mirror was skipped rather than answered or failed. */
  public boolean skipped() {
    return this == SKIPPED;
  }

  /** A failed answer (error, timeout, truncated stream). */
  public static AnswerMeasures failure(double latencyMs) {
    return new AnswerMeasures(true, false, 0, 0, 0, Double.NaN, latencyMs, Double.NaN, null);
  }

  /** The figure at {@code index} of {@link #FIGURES}. */
  public double figure(int index) {
    return switch (index) {
      case 0 -> outputTokens;
      case 1 -> words;
      case 2 -> sentences;
      case 3 -> ttftMs;
      case 4 -> latencyMs;
      case 5 -> costUsd;
      default -> throw new IllegalArgumentException("no figure " + index);
    };
  }

  /** Words: maximal runs of letters or digits (so punctuation and markup do not count). */
  public static int words(CharSequence text) {
    int words = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean letter = Character.isLetterOrDigit(text.charAt(i));
      if (letter && !inWord) {
        words++;
      }
      inWord = letter;
    }
    return words;
  }

  /**
   * Sentences: runs of text ending in '.', '!' or '?' (several in a row count once) followed by
   * whitespace or the end; a last run without a stop counts too if it holds a word.
   */
  public static int sentences(CharSequence text) {
    int sentences = 0;
    boolean wordSinceStop = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isLetterOrDigit(c)) {
        wordSinceStop = true;
      } else if ((c == '.' || c == '!' || c == '?')
          && wordSinceStop
          && (i + 1 == text.length() || Character.isWhitespace(text.charAt(i + 1)))) {
        sentences++;
        wordSinceStop = false;
      }
    }
    return wordSinceStop ? sentences + 1 : sentences;
  }
}
