package dev.switchboard.gateway.language;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Detects the language of a short prompt, cheaply enough to run on the event loop (one pass over at
 * most {@link #MAX_CODE_POINTS} code points, a hash lookup per Latin-script word, no allocation per
 * character).
 *
 * <p>First by <b>script</b>: most of the world's languages that route differently (the production
 * checklist's example is Qwen for Chinese, Japanese and Korean) are told apart by the Unicode
 * script they are written in alone — kana means Japanese, Hangul Korean, Han without kana Chinese,
 * and Thai, Greek, Hebrew, Devanagari (Hindi), Bengali, Tamil, Telugu, Armenian and Georgian each
 * have one main language. Within Cyrillic and Arabic script, letters only one language uses decide
 * (Ukrainian і ї є ґ, Persian پ چ ژ گ, Urdu ٹ ڈ ڑ ں ے); otherwise Russian and Arabic. Within Latin
 * script, frequent function words and diacritics score English, French, German, Spanish,
 * Portuguese, Italian and Dutch; a Latin text without any of them is undetermined (null), never
 * guessed.
 *
 * <p>Why not a statistical library: the accurate one on the JVM (Lingua) holds ~440 MB of n-gram
 * models on the heap for 18 languages and takes ~100 µs per prompt; its low-accuracy mode misreads
 * short English; the small one (Optimaize) is unmaintained since 2016 and pins Guava 18. The
 * accuracy of this detector on the project's labelled set is in {@code BENCHMARKS.md}.
 */
public final class LanguageDetector {

  /** How much of a message is looked at: the start says enough, and the cost stays bounded. */
  public static final int MAX_CODE_POINTS = 2000;

  /** The languages {@link #detect} can answer, as ISO 639-1 codes. */
  public static final Set<String> SUPPORTED = dev.switchboard.contract.Languages.SUPPORTED;

  private static final List<String> LATIN = List.of("en", "es", "fr", "de", "pt", "it", "nl");

  /** Function words per Latin-script language: frequent, short, and mostly one language's. */
  private static final Map<String, int[]> WORDS = new HashMap<>();

  static {
    words(
        "en",
        "the and is are was were what how why who you your this that with for of to it can please"
            + " me my i do does an be on from which about will would should could have has"
            + " there their they we our not if or when where");
    words(
        "fr",
        "le les des est et je tu vous nous une un du pour pas que qui dans sur avec ce cette mon"
            + " ma mes comment pourquoi quel quelle quelles quels il elle au aux sont peux peut"
            + " dois faut moi toi en ne d l j m s c qu n t se bonjour merci");
    words(
        "de",
        "der die das und ist ich nicht ein eine einen einem mit für wie was warum bitte du sie"
            + " wir den dem zu auf auch es sich mein meine meiner kann kannst können von im ins"
            + " zum zur welche welcher hallo danke diesen dieser diese sollte habe hat");
    words(
        "es",
        "el los las y es que un una por para con como cómo qué cuál cuáles mi tu su del al se no"
            + " lo está son puedo puedes hola gracias este esta estos estas debo muestra dame"
            + " sobre tiene hay más muy también");
    words(
        "pt",
        "o os as e é que um uma para com como não do da dos das no na em meu minha você voce está"
            + " são posso pode obrigado olá isso este esta estes qual quais me tem ficar fica"
            + " sobre uns umas mais muito também seu sua ao pelo pela fique");
    words(
        "it",
        "il lo gli le e è che un una per con come non di del della dei delle mi ti sono posso puoi"
            + " perché cosa questo questa ciao grazie nel nella alla al ho hai");
    words(
        "nl",
        "het een en is van ik je niet wat hoe waarom met voor op dat dit zijn kan mijn jij u er"
            + " naar ook hallo bedankt wordt worden");
  }

  private LanguageDetector() {}

  private static void words(String language, String list) {
    int index = LATIN.indexOf(language);
    for (String word : list.split(" ")) {
      WORDS.computeIfAbsent(word, w -> new int[LATIN.size()])[index]++;
    }
  }

  /**
   * The language {@code text} is written in, as an ISO 639-1 code of {@link #SUPPORTED}, or null
   * when it cannot be told (no letters, or Latin script without a telling word).
   */
  public static String detect(CharSequence text) {
    if (text == null) {
      return null;
    }
    int han = 0;
    int kana = 0;
    int hangul = 0;
    int latin = 0;
    int cyrillic = 0;
    int arabic = 0;
    int other = 0;
    String otherLanguage = null;
    int ukrainian = 0;
    int persian = 0;
    int urdu = 0;
    int seen = 0;
    for (int i = 0; i < text.length() && seen < MAX_CODE_POINTS; seen++) {
      int c = Character.codePointAt(text, i);
      i += Character.charCount(c);
      if (!Character.isLetter(c)) {
        continue;
      }
      Character.UnicodeScript script = Character.UnicodeScript.of(c);
      switch (script) {
        case HAN -> han++;
        case HIRAGANA, KATAKANA -> kana++;
        case HANGUL -> hangul++;
        case LATIN -> latin++;
        case CYRILLIC -> {
          cyrillic++;
          if (c == 'і' || c == 'ї' || c == 'є' || c == 'ґ' || c == 'І' || c == 'Ї' || c == 'Є') {
            ukrainian++;
          }
        }
        case ARABIC -> {
          arabic++;
          if (c == 'پ' || c == 'چ' || c == 'ژ' || c == 'گ' || c == 'ک' || c == 'ی') {
            persian++;
          }
          if (c == 'ٹ' || c == 'ڈ' || c == 'ڑ' || c == 'ں' || c == 'ے' || c == 'ھ') {
            urdu++;
          }
        }
        default -> {
          String language = singleLanguageScript(script);
          if (language != null) {
            other++;
            otherLanguage = language;
          }
        }
      }
    }
    // A Han, kana or Hangul character carries about a word; a Latin letter a fraction of one.
    int cjk = (han + kana) * 3;
    int korean = hangul * 3;
    String script = null;
    int scriptWeight = 0;
    if (cjk > scriptWeight) {
      scriptWeight = cjk;
      // Japanese mixes kanji with kana in nearly every sentence; Chinese never uses kana.
      script = kana > 0 && kana * 10 >= han + kana ? "ja" : "zh";
    }
    if (korean > scriptWeight) {
      scriptWeight = korean;
      script = "ko";
    }
    if (cyrillic > scriptWeight) {
      scriptWeight = cyrillic;
      script = ukrainian > 0 ? "uk" : "ru";
    }
    if (arabic > scriptWeight) {
      scriptWeight = arabic;
      script = urdu > 0 ? "ur" : persian > 0 ? "fa" : "ar";
    }
    if (other > scriptWeight) {
      scriptWeight = other;
      script = otherLanguage;
    }
    // Product names, code and error messages are written in Latin letters in every language: a
    // prompt is Latin-script only when the other script is a small part of it, and even then a
    // Latin part without a telling word leaves the other script's language.
    if (scriptWeight * 2 >= latin) {
      return script;
    }
    String latinLanguage = latinLanguage(text);
    return latinLanguage != null ? latinLanguage : script;
  }

  /** The one main language written in {@code script}, or null. */
  private static String singleLanguageScript(Character.UnicodeScript script) {
    return switch (script) {
      case THAI -> "th";
      case GREEK -> "el";
      case HEBREW -> "he";
      case DEVANAGARI -> "hi";
      case BENGALI -> "bn";
      case TAMIL -> "ta";
      case TELUGU -> "te";
      case ARMENIAN -> "hy";
      case GEORGIAN -> "ka";
      default -> null;
    };
  }

  /** Scores function words and diacritics; null when nothing tells. */
  private static String latinLanguage(CharSequence text) {
    int[] score = new int[LATIN.size()];
    StringBuilder word = new StringBuilder(16);
    int limit = Math.min(text.length(), MAX_CODE_POINTS * 2);
    for (int i = 0; i <= limit; i++) {
      char c = i < limit ? text.charAt(i) : ' ';
      if (c == '¿' || c == '¡') {
        score[1] += 3; // Spanish opens questions and exclamations
      }
      if (Character.isLetter(c)) {
        char lower = Character.toLowerCase(c);
        word.append(lower);
        diacritic(lower, score);
        continue;
      }
      if (word.length() > 0) {
        int[] hits = WORDS.get(word.toString());
        if (hits != null) {
          for (int l = 0; l < score.length; l++) {
            score[l] += hits[l] * 2;
          }
        }
        word.setLength(0);
      }
    }
    int best = -1;
    for (int l = 0; l < score.length; l++) {
      if (score[l] > 0 && (best < 0 || score[l] > score[best])) {
        best = l;
      }
    }
    return best < 0 ? null : LATIN.get(best);
  }

  /** Letters that only some Latin-script languages use. */
  private static void diacritic(char c, int[] score) {
    switch (c) {
      case 'ß', 'ä', 'ö', 'ü' -> score[3] += 3;
      case 'ñ' -> score[1] += 3;
      case 'ã', 'õ' -> score[4] += 3;
      case 'ç' -> {
        score[2] += 1;
        score[4] += 1;
      }
      case 'œ', 'ê', 'î', 'û', 'ë', 'ï', 'ù' -> score[2] += 2;
      case 'è', 'à' -> {
        score[2] += 1;
        score[5] += 1;
      }
      case 'ò', 'ì' -> score[5] += 2;
      case 'á', 'í', 'ó', 'ú' -> {
        score[1] += 1;
        score[4] += 1;
      }
      default -> {}
    }
  }

  /** A display name for logs and docs. */
  public static String name(String code) {
    return code == null
        ? "undetermined"
        : Locale.forLanguageTag(code).getDisplayLanguage(Locale.ENGLISH);
  }
}
