package dev.switchboard.contract;

import java.util.Set;

/**
 * The languages a route rule may match on ({@code match.language}): ISO 639-1 codes the gateway's
 * language detector can tell. One list for the CRD schema, the table validator and the detector.
 */
public final class Languages {

  /** The codes as a regular expression (the CRD schema checks each entry against it). */
  public static final String PATTERN =
      "^(zh|ja|ko|th|el|he|hi|bn|ta|te|hy|ka|ru|uk|ar|fa|ur|en|fr|de|es|pt|it|nl)$";

  /** The codes. */
  public static final Set<String> SUPPORTED =
      Set.of(
          "zh", "ja", "ko", "th", "el", "he", "hi", "bn", "ta", "te", "hy", "ka", "ru", "uk", "ar",
          "fa", "ur", "en", "fr", "de", "es", "pt", "it", "nl");

  private Languages() {}
}
