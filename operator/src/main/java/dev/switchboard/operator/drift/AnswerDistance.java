package dev.switchboard.operator.drift;

import java.util.List;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * The drift check's arithmetic: the normalised Levenshtein distance of two answers and the
 * agreement of repeated samples. Apache Commons Text computes the edit distance (two rows of
 * memory, no recursion); answers are cut to {@link #MAX_CHARS} first so one comparison stays
 * bounded (≤ 64 M cell updates) however long a model's answer grows.
 */
public final class AnswerDistance {

  /** Characters of an answer that are compared and stored in the baseline. */
  public static final int MAX_CHARS = 8_000;

  private static final LevenshteinDistance LEVENSHTEIN = LevenshteinDistance.getDefaultInstance();

  private AnswerDistance() {}

  /** An answer as it is compared and stored: cut to {@link #MAX_CHARS}. */
  public static String cut(String answer) {
    if (answer == null) {
      return "";
    }
    return answer.length() > MAX_CHARS ? answer.substring(0, MAX_CHARS) : answer;
  }

  /**
   * Edits (insert, delete, substitute one character) from {@code a} to {@code b}, divided by the
   * longer one's length: 0 for equal answers, 1 for answers with nothing in common at any position;
   * two empty answers are equal (0).
   */
  public static double normalized(String a, String b) {
    String x = cut(a);
    String y = cut(b);
    int longer = Math.max(x.length(), y.length());
    if (longer == 0) {
      return 0.0;
    }
    return LEVENSHTEIN.apply(x, y) / (double) longer;
  }

  /** Whether all samples of one prompt are equal (one sample agrees with itself). */
  public static boolean allEqual(List<String> samples) {
    for (String s : samples) {
      if (!s.equals(samples.get(0))) {
        return false;
      }
    }
    return true;
  }

  /**
   * How far one prompt's samples of one run lie apart: the largest distance of a sample to the
   * first (the one a baseline keeps); 0 when all are equal, without computing any distance.
   */
  public static double spread(List<String> samples) {
    if (allEqual(samples)) {
      return 0.0;
    }
    double spread = 0;
    for (String s : samples.subList(1, samples.size())) {
      spread = Math.max(spread, normalized(samples.get(0), s));
    }
    return spread;
  }

  /**
   * The share of prompts whose samples were all equal; 1 when there were no prompts (nothing
   * disagreed).
   */
  public static double agreement(List<List<String>> samplesPerPrompt) {
    if (samplesPerPrompt.isEmpty()) {
      return 1.0;
    }
    long agreeing = samplesPerPrompt.stream().filter(AnswerDistance::allEqual).count();
    return agreeing / (double) samplesPerPrompt.size();
  }
}
