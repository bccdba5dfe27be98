package dev.switchboard.gateway.cache;

import dev.switchboard.gateway.language.LanguageDetector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cheap lexical checks a semantic match must pass on top of its similarity, because embeddings
 * put opposites close together ("enable 2FA" and "disable 2FA" score above 0.8, "$500" and "$5,000"
 * higher still). A cached text may answer a new one only when both carry the same negations (in
 * English, the other languages {@code LanguageDetector} knows by their words, and Chinese, Japanese
 * and Korean), no antonym is swapped (comparatives and superlatives count as their word: "higher"
 * is "high"), no comparison is turned the other way ("price > 100" against "price < 100", "greater
 * than" against "less than", "at least" against "at most"), the comparison operators both write are
 * the same, the same numbers appear in the same order, the same names (capitalised words, acronyms,
 * words with digits) appear in the same order, units named on both sides agree ("10 minutes"
 * against "10 seconds") and so do days ("yesterday" against "today", "last week" against "next
 * week", "weekdays" against "weekends"), and the one is not merely the other's words reordered
 * ("USD to EUR" against "EUR to USD"). Any doubt is a miss: a miss costs one upstream call, a false
 * hit serves a wrong answer.
 */
public final class LexicalGuard {

  /** Han, kana and Hangul, and the kana length mark: scripts read by their own rules. */
  private static final String CJK = "\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}\\p{IsHangul}\\u30fc";

  private static final String NOT_CJK = "[\\p{L}\\p{N}&&[^" + CJK + "]]";

  /**
   * A word: a run of Han, kana or Hangul (Chinese and Japanese write no spaces, so a run is a
   * phrase; it ends where another script starts, "python中" is two words), or letters and digits of
   * any other script, joined by an apostrophe, dot or comma.
   */
  private static final Pattern WORD =
      Pattern.compile("[" + CJK + "]+|" + NOT_CJK + "+(?:['’.,]" + NOT_CJK + "+)*");

  private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
  private static final Pattern THOUSANDS = Pattern.compile(",(?=\\d{3}(?!\\d))");
  private static final Pattern DOT_GROUPED = Pattern.compile("[1-9]\\d{0,2}(?:\\.\\d{3})+");
  private static final Pattern COMMA_GROUPED = Pattern.compile("[1-9]\\d{0,2}(?:,\\d{3})+");

  /**
   * Indian digit grouping (lakh and crore: {@code 1,00,000}, {@code 12,34,567}): one or two digits,
   * groups of two, then a last group of three. No decimal is written with two commas, and no
   * thousands grouping makes groups of two, so in {@link #INDIAN_GROUPS} text the shape is the
   * integer.
   */
  private static final Pattern INDIAN_GROUPED = Pattern.compile("[1-9]\\d?(?:,\\d{2})+,\\d{3}");

  /**
   * Languages whose writers group digits the Indian way: English (as written in India) and Hindi.
   * Elsewhere the shape equals only itself.
   */
  private static final Set<String> INDIAN_GROUPS = Set.of("en", "hi");

  /**
   * Languages ({@code LanguageDetector}'s codes) whose writers group thousands with the comma, so
   * that {@code 1,500} is 1500: English, and the Asian languages that write Latin digits so.
   */
  private static final Set<String> COMMA_GROUPS =
      Set.of("en", "zh", "ja", "ko", "th", "he", "hi", "bn", "ta", "te", "ur");

  /**
   * Languages whose writers put the decimal comma, so that {@code 1,500} is 1.5 (three decimals, as
   * scales and bottles print it). Not Spanish: Spain writes 1,5 and Mexico 1,500 for 1500.
   */
  private static final Set<String> DECIMAL_COMMA =
      Set.of("fr", "de", "it", "nl", "pt", "ru", "uk", "el", "hy", "ka");

  /**
   * A number grouped with no-break spaces (U+00A0, or the narrow U+202F that French and the SI
   * write): a lead of one to three digits, groups of exactly three, and an optional decimal part
   * after a comma or dot ({@code 10 000}, {@code 1 500,5}, {@code 1 234 567.89}). Not a part of a
   * longer run of digits and spaces or of another number. A plain space is not read as grouping: "3
   * 100 dollar bills" is three bills of 100, and a miss costs less than a wrong answer, so {@code
   * 10 000} with a plain space stays two numbers (it meets only itself).
   */
  private static final Pattern SPACE_GROUPED =
      Pattern.compile(
          "(?<![\\d.,]|\\d[ \\u00a0\\u202f])([1-9]\\d{0,2}(?:[\\u00a0\\u202f]\\d{3})+)"
              + "(?:[.,](\\d+))?(?![\\d]|[.,]\\d|[ \\u00a0\\u202f]\\d)");

  private static final Set<String> NEGATIONS =
      Set.of(
          "not",
          "no",
          "never",
          "none",
          "nothing",
          "nobody",
          "nowhere",
          "neither",
          "nor",
          "without",
          "cannot",
          "cant",
          "dont",
          "doesnt",
          "didnt",
          "isnt",
          "arent",
          "wasnt",
          "werent",
          "wont",
          "wouldnt",
          "shouldnt",
          "couldnt",
          "hasnt",
          "havent",
          "hadnt",
          "mustnt",
          "neednt",
          "aint",
          // The Latin-script languages LanguageDetector knows, and Russian and Ukrainian: "Ist
          // Kaffee gesund?" and "Ist Kaffee nicht gesund?" embed at 0.93, the Spanish, Portuguese,
          // Italian, Dutch and Russian pairs at 0.95 to 0.97. "n'est" (elided ne) is counted in
          // profile(); words that are something else in another language are in
          // LANGUAGE_NEGATIONS.
          "nicht",
          "kein",
          "keine",
          "keinen",
          "keinem",
          "keiner",
          "keines",
          "nie",
          "niemals",
          "nichts",
          "niemand",
          "ohne",
          "jamais",
          "rien",
          "aucun",
          "aucune",
          "nunca",
          "nadie",
          "ningún",
          "ninguno",
          "ninguna",
          "tampoco",
          "jamás",
          "não",
          "nao",
          "ninguém",
          "nenhum",
          "nenhuma",
          "niente",
          "nessuno",
          "nessuna",
          "senza",
          "niet",
          "geen",
          "nooit",
          "niets",
          "zonder",
          "не",
          "нет",
          "ни",
          "никогда",
          "ничего",
          "никто",
          "без",
          "ні",
          "ніколи",
          "нічого",
          "ніхто");

  /**
   * Negations that are other words in other languages, with the languages they negate in: English
   * "sin(x)", "non-linear", "next sem", "sans serif", Italian "ne" (of it), French and German "mai"
   * (May). They count in a text {@link LanguageDetector} reads as one of those languages or cannot
   * read at all (a miss costs less than a wrong answer). French "ne … pas" counts twice on both
   * sides alike.
   */
  private static final Map<String, Set<String>> LANGUAGE_NEGATIONS =
      Map.of(
          "ne", Set.of("fr"),
          "pas", Set.of("fr"),
          "sans", Set.of("fr"),
          "non", Set.of("fr", "it"),
          "sin", Set.of("es"),
          "nada", Set.of("es", "pt"),
          "sem", Set.of("pt"),
          "mai", Set.of("it"),
          "nulla", Set.of("it"));

  /** Opposites (stems): a text with one and not the other never answers the reverse. */
  private static final String[][] ANTONYMS = {
    {"enabl", "disabl"},
    {"allow", "deny"},
    {"allow", "block"},
    {"allow", "forbid"},
    {"add", "remov"},
    {"add", "delet"},
    {"creat", "delet"},
    {"increas", "decreas"},
    {"increas", "reduc"},
    {"rais", "lower"},
    {"start", "stop"},
    {"open", "clos"},
    {"lock", "unlock"},
    {"encrypt", "decrypt"},
    {"includ", "exclud"},
    {"befor", "after"},
    {"abov", "below"},
    {"more", "less"},
    {"more", "fewer"},
    {"maximum", "minimum"},
    {"max", "min"},
    {"buy", "sell"},
    {"import", "export"},
    {"upload", "download"},
    {"install", "uninstall"},
    {"subscrib", "unsubscrib"},
    {"accept", "reject"},
    {"approv", "reject"},
    {"true", "fals"},
    {"win", "los"},
    {"positiv", "negativ"},
    {"hot", "cold"},
    {"high", "low"},
    {"fast", "slow"},
    {"first", "last"},
    {"best", "worst"},
    {"cheap", "expensiv"},
    {"larg", "small"},
    {"big", "small"},
    {"long", "short"},
    {"on", "off"},
    {"in", "out"},
    {"up", "down"},
    {"connect", "disconnect"},
    {"mount", "unmount"},
    {"follow", "unfollow"},
    {"block", "unblock"},
    {"hid", "show"},
    {"show", "hide"},
    {"pars", "serializ"},
    {"encod", "decod"},
    {"compress", "decompress"},
    {"zip", "unzip"},
    {"push", "pull"},
    {"send", "receiv"},
    {"borrow", "lend"},
    {"gain", "los"},
    {"profit", "loss"},
    {"inbound", "outbound"},
    {"ingress", "egress"},
    {"upgrad", "downgrad"},
    {"early", "late"},
    {"earlier", "later"},
    {"earliest", "latest"},
    {"old", "new"},
    {"oldest", "newest"},
    {"light", "dark"},
    {"left", "right"},
    {"north", "south"},
    {"east", "west"},
    {"asc", "desc"},
    {"ascend", "descend"},
    // Measured with all-MiniLM-L6-v2 at 0.90 to 0.98 ("Is range() inclusive of the end?").
    {"inclusiv", "exclusiv"},
    {"internal", "external"},
    {"increment", "decrement"},
    {"good", "bad"},
    {"forward", "backward"},
    {"public", "privat"},
    {"pro", "con"},
    {"transparent", "opaqu"},
    {"odd", "even"},
    {"inner", "outer"},
    {"horizontal", "vertical"},
    {"horizontally", "vertically"},
    {"synchronous", "asynchronous"},
    {"sync", "async"},
    {"onlin", "offlin"},
    {"global", "local"},
    {"read", "writ"},
    {"input", "output"},
    {"attach", "detach"},
    {"bullish", "bearish"},
    // A side taken: "arguments for the death penalty" and "... against ..." embed at 0.982.
    {"for", "against"},
    {"favor", "against"},
    {"favour", "against"},
    {"support", "oppos"},
    {"much", "little"},
    {"rude", "polit"},
    // How often, how many, where: "always balanced" and "sometimes balanced" embed at 0.983,
    // "inside" and "outside" at 0.970, "all mammals" and "some mammals" at 0.965.
    {"always", "sometim"},
    {"always", "rarely"},
    {"often", "rarely"},
    {"all", "some"},
    {"insid", "outsid"},
    {"similar", "different"},
    {"similarity", "differenc"},
    {"similariti", "differenc"},
    {"closer", "farther"},
    {"closest", "farthest"},
    {"front", "back"},
    {"top", "bottom"},
    {"love", "hat"},
    // Comparatives and superlatives reach these through comparativeBases ("larger", "largest" to
    // "larg"); the irregular ones and those whose opposite is another word are listed.
    {"most", "least"},
    {"better", "worse"},
    {"upper", "lower"},
    {"uppercas", "lowercas"},
    {"young", "old"},
    {"strong", "weak"},
    {"heavy", "light"},
    {"wid", "narrow"},
    {"thick", "thin"},
    {"deep", "shallow"},
    {"tall", "short"},
    {"easy", "hard"},
    {"near", "far"},
    {"grow", "shrink"},
    {"maximiz", "minimiz"},
    {"maximal", "minimal"},
    {"min", "max"},
    {"safe", "unsaf"},
    {"legal", "illegal"},
    {"valid", "invalid"},
    {"like", "dislik"},
    {"agre", "disagre"},
    {"appear", "disappear"},
    {"pass", "fail"},
    {"succe", "fail"},
    {"success", "failur"},
    {"mut", "unmut"},
    {"pin", "unpin"},
    {"archiv", "unarchiv"},
    {"freez", "unfreez"},
    {"activ", "deactiv"},
    {"activat", "deactivat"},
    {"register", "deregister"},
    {"link", "unlink"},
    {"ban", "unban"},
    {"sign", "resign"},
    {"login", "logout"},
    {"log in", "log out"},
    {"sign in", "sign out"},
    {"check in", "check out"},
    // The languages LanguageDetector reads by their words: "¿Por qué usa más memoria?" and "… menos
    // memoria?" embed alike as the English pairs do. Whole words only (the stem is English): the
    // forms people ask with. Both sides of a pair are one language, so a word that means something
    // else in another language ("mayor", "met", "plus" in English) can only cost a hit.
    {"más", "menos"},
    {"mayor", "menor"},
    {"mejor", "peor"},
    {"arriba", "abajo"},
    {"encima", "debajo"},
    {"antes", "después"},
    {"subir", "bajar"},
    {"abrir", "cerrar"},
    {"activar", "desactivar"},
    {"habilitar", "deshabilitar"},
    {"encender", "apagar"},
    {"aumentar", "disminuir"},
    {"comprar", "vender"},
    {"caliente", "frío"},
    {"con", "sin"},
    {"entrada", "salida"},
    {"plus", "moins"},
    {"meilleur", "pire"},
    {"avant", "après"},
    {"dessus", "dessous"},
    {"haut", "bas"},
    {"ouvrir", "fermer"},
    {"activer", "désactiver"},
    {"allumer", "éteindre"},
    {"augmenter", "diminuer"},
    {"acheter", "vendre"},
    {"chaud", "froid"},
    {"avec", "sans"},
    {"entrée", "sortie"},
    {"mehr", "weniger"},
    {"besser", "schlechter"},
    {"größer", "kleiner"},
    {"höher", "niedriger"},
    {"früher", "später"},
    {"oben", "unten"},
    {"öffnen", "schließen"},
    {"aktivieren", "deaktivieren"},
    {"einschalten", "ausschalten"},
    {"erhöhen", "verringern"},
    {"hochladen", "herunterladen"},
    {"kaufen", "verkaufen"},
    {"heiß", "kalt"},
    {"mit", "ohne"},
    {"mais", "menos"},
    {"maior", "menor"},
    {"melhor", "pior"},
    {"acima", "abaixo"},
    {"antes", "depois"},
    {"abrir", "fechar"},
    {"ativar", "desativar"},
    {"ligar", "desligar"},
    {"aumentar", "diminuir"},
    {"quente", "frio"},
    {"com", "sem"},
    {"più", "meno"},
    {"maggiore", "minore"},
    {"migliore", "peggiore"},
    {"meglio", "peggio"},
    {"sopra", "sotto"},
    {"prima", "dopo"},
    {"aprire", "chiudere"},
    {"attivare", "disattivare"},
    {"accendere", "spegnere"},
    {"aumentare", "diminuire"},
    {"comprare", "vendere"},
    {"caldo", "freddo"},
    {"con", "senza"},
    {"meer", "minder"},
    {"beter", "slechter"},
    {"openen", "sluiten"},
    {"aanzetten", "uitzetten"},
    {"kopen", "verkopen"},
    {"met", "zonder"},
    {"больше", "меньше"},
    {"лучше", "хуже"},
    {"включить", "выключить"},
    // Korean writes words apart: a lone 더 (more) or 덜 (less) is a word of its own.
    {"더", "덜"}
  };

  /**
   * What {@link #stem} makes of each single word of {@link #ANTONYMS}: a table entry matches a text
   * holding the word as written ("safe", "pass", "more" stem to "saf", "pas", "mor") or any form
   * stemming to it.
   */
  private static final Map<String, String> STEMMED = new HashMap<>();

  /**
   * The two directions of a comparison: a text asking for one and not the other never answers the
   * reverse, whichever words the two sides use ("greater than 50000" against "less than 50000",
   * "over 10" against "under 10", "> 100" against "< 100"; each pair embeds at 0.97 to 0.99 with
   * all-MiniLM-L6-v2). Comparison operators are read by {@link #OPERATOR} and count as words here;
   * comparatives and superlatives of the stems through {@link #comparativeBases} ("higher" is
   * "high", "smallest" is "small").
   */
  private static final String[] MORE = {
    ">", ">=", "more", "greater", "high", "larg", "big", "above", "over", "exceed", "at least"
  };

  private static final String[] LESS = {
    "<", "<=", "less", "fewer", "low", "small", "below", "under", "beneath", "at most"
  };

  /**
   * A comparison operator: a run of {@code < > = !} (or one of {@code ≥ ≤ ≠}) standing alone, not
   * part of an arrow ({@code ->}, {@code <-}, {@code =>}); {@link #operator} says which, if any.
   */
  private static final Pattern OPERATOR = Pattern.compile("(?<![-<>=!])[<>=!≥≤≠]+(?![-<>=!])");

  /**
   * Every single-word entry of {@link #ANTONYMS}, {@link #MORE} and {@link #LESS}, as written and
   * stemmed.
   */
  private static final Set<String> OPPOSITE_STEMS = new HashSet<>();

  static {
    for (String[] pair : ANTONYMS) {
      for (String word : pair) {
        STEMMED.put(word, stem(word));
      }
    }
    for (String[] side : new String[][] {MORE, LESS}) {
      for (String word : side) {
        STEMMED.put(word, stem(word));
      }
    }
    for (Map.Entry<String, String> e : STEMMED.entrySet()) {
      if (e.getKey().indexOf(' ') < 0) {
        OPPOSITE_STEMS.add(e.getKey());
        OPPOSITE_STEMS.add(e.getValue());
      }
    }
  }

  /**
   * Units of time, length, mass, volume, temperature and data, each spelling to its unit: "10
   * minutes" and "10 seconds" embed alike (0.95), "5% per month" and "5% per year" too.
   */
  private static final Map<String, String> UNITS = new HashMap<>();

  static {
    String[][] units = {
      {"ms", "millisecond", "milliseconds"},
      {"s", "second", "seconds", "sec", "secs"},
      {"min", "minute", "minutes", "mins"},
      {"h", "hour", "hours", "hr", "hrs", "hourly"},
      {"day", "day", "days", "daily"},
      {"week", "week", "weeks", "weekly"},
      {"month", "month", "months", "monthly"},
      {"year", "year", "years", "yr", "yrs", "yearly", "annual", "annually"},
      {"mm", "mm", "millimeter", "millimeters", "millimetre", "millimetres"},
      {"cm", "cm", "centimeter", "centimeters", "centimetre", "centimetres"},
      {"m", "meter", "meters", "metre", "metres"},
      {"km", "km", "kms", "kilometer", "kilometers", "kilometre", "kilometres"},
      {"in", "inch", "inches"},
      {"ft", "ft", "foot", "feet"},
      {"yd", "yard", "yards"},
      {"mi", "mile", "miles"},
      {"mg", "mg", "milligram", "milligrams"},
      {"g", "gram", "grams"},
      {"kg", "kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"},
      {"oz", "oz", "ounce", "ounces"},
      {"lb", "lb", "lbs", "pound", "pounds"},
      {"t", "ton", "tons", "tonne", "tonnes"},
      {"ml", "ml", "milliliter", "milliliters", "millilitre", "millilitres"},
      {"l", "liter", "liters", "litre", "litres"},
      {"gal", "gallon", "gallons"},
      {"pt", "pint", "pints"},
      {"cup", "cup", "cups"},
      {"c", "celsius", "centigrade"},
      {"f", "fahrenheit"},
      {"k", "kelvin"},
      {"kb", "kb", "kilobyte", "kilobytes"},
      {"mb", "mb", "megabyte", "megabytes"},
      {"gb", "gb", "gigabyte", "gigabytes"},
      {"tb", "tb", "terabyte", "terabytes"}
    };
    for (String[] unit : units) {
      for (int i = 1; i < unit.length; i++) {
        UNITS.put(unit[i], unit[0]);
      }
    }
  }

  /**
   * Days and months written in lower case (capitalised they are names): "What did I spend
   * yesterday?" and "... today?" embed alike (0.95). "may" is left out (the verb).
   */
  private static final Set<String> DAYS =
      Set.of(
          "yesterday",
          "today",
          "tonight",
          "tomorrow",
          "monday",
          "tuesday",
          "wednesday",
          "thursday",
          "friday",
          "saturday",
          "sunday",
          "january",
          "february",
          "march",
          "april",
          "june",
          "july",
          "august",
          "september",
          "october",
          "november",
          "december");

  /**
   * Parts of the week, each spelling to one: "Is the gym open on weekdays?" and "... on weekends?"
   * embed at 0.93, above a 0.9 threshold.
   */
  private static final Map<String, String> WEEK_PARTS =
      Map.of(
          "weekday", "weekday",
          "weekdays", "weekday",
          "workday", "weekday",
          "workdays", "weekday",
          "weekend", "weekend",
          "weekends", "weekend");

  /**
   * Parts of the day, each spelling to one: "Set an alarm for tomorrow morning" and "... tomorrow
   * evening" embed at 0.969, and name the same day. Not "am"/"pm": "am" is also the verb.
   */
  private static final Map<String, String> DAY_PARTS =
      Map.ofEntries(
          Map.entry("morning", "morning"),
          Map.entry("mornings", "morning"),
          Map.entry("afternoon", "afternoon"),
          Map.entry("afternoons", "afternoon"),
          Map.entry("evening", "evening"),
          Map.entry("evenings", "evening"),
          Map.entry("night", "night"),
          Map.entry("nights", "night"),
          Map.entry("noon", "noon"),
          Map.entry("midday", "noon"),
          Map.entry("midnight", "midnight"));

  /**
   * Words placing a period relative to now, each spelling to one: "How much did I spend last week?"
   * and "... next week?" embed at 0.96, "last month" and "next month" at 0.94, "in the last 24
   * hours" and "in the next 24 hours" at 0.97; the period alone (a unit) is the same on both sides.
   */
  private static final Map<String, String> RELATIVE =
      Map.of(
          "last", "last",
          "past", "last",
          "previous", "last",
          "next", "next",
          "coming", "next",
          "upcoming", "next",
          "following", "next",
          "this", "this",
          "current", "this");

  /** The periods {@link #RELATIVE} words place: the units of time, and a few more. */
  private static final Set<String> PERIODS =
      Set.of("ms", "s", "min", "h", "day", "week", "month", "year", "weekend", "quarter", "night");

  private static final Map<String, String> NUMBER_WORDS = new HashMap<>();

  static {
    String[] small = {
      "zero",
      "one",
      "two",
      "three",
      "four",
      "five",
      "six",
      "seven",
      "eight",
      "nine",
      "ten",
      "eleven",
      "twelve",
      "thirteen",
      "fourteen",
      "fifteen",
      "sixteen",
      "seventeen",
      "eighteen",
      "nineteen",
      "twenty"
    };
    for (int i = 0; i < small.length; i++) {
      NUMBER_WORDS.put(small[i], Integer.toString(i));
    }
    String[] tens = {"thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
    for (int i = 0; i < tens.length; i++) {
      NUMBER_WORDS.put(tens[i], Integer.toString(30 + 10 * i));
    }
    NUMBER_WORDS.put("hundred", "100");
    NUMBER_WORDS.put("thousand", "1000");
    NUMBER_WORDS.put("million", "1000000");
    NUMBER_WORDS.put("billion", "1000000000");
    NUMBER_WORDS.put("half", "0.5");
    NUMBER_WORDS.put("dozen", "12");
    // Ranks: "the second largest" and "the third largest" embed at 0.90. Not "first", which is
    // also "before the rest" (and first/last is an opposite).
    String[] ranks = {"second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"};
    for (int i = 0; i < ranks.length; i++) {
      NUMBER_WORDS.put(ranks[i], (i + 2) + "th");
    }
    NUMBER_WORDS.put("tenth", "10th");
  }

  private LexicalGuard() {}

  /** What the guard reads from one text; computed once per stored entry and per request. */
  public record Profile(
      int negations,
      Set<String> stems,
      String joined,
      List<String> numbers,
      List<String> names,
      List<String> sortedWords,
      List<String> words,
      List<String> units,
      List<String> days,
      Set<String> prefixed,
      List<String> operators) {}

  /** The profile of {@code text}. */
  public static Profile profile(String written) {
    String text = joinSpaceGroups(written);
    List<String> words = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<String> numbers = new ArrayList<>();
    List<String> units = new ArrayList<>();
    List<String> days = new ArrayList<>();
    Set<String> stems = new HashSet<>();
    Set<String> prefixed = new HashSet<>();
    int negations = 0;
    boolean sentenceStart = true;
    boolean nonPrefix = false;
    // Once per text: a hash lookup per Latin word over at most 2,000 code points.
    String language = LanguageDetector.detect(text);
    Matcher m = WORD.matcher(text);
    int last = 0;
    String current = "";
    while (m.find()) {
      String between = text.substring(last, m.start());
      if (between.contains(".")
          || between.contains("?")
          || between.contains("!")
          || between.contains("\n")) {
        sentenceStart = true;
      }
      last = m.end();
      String raw = m.group();
      String previous = current;
      current = raw;
      String lower = raw.toLowerCase(Locale.ROOT).replace("’", "'");
      String plain = lower.replace("'", "");
      if (NUMBER.matcher(raw).matches()) {
        String number = normaliseNumber(raw, language);
        numbers.add(negative(text, m.start()) ? "-" + number : number);
      } else if (NUMBER_WORDS.containsKey(plain)) {
        numbers.add(NUMBER_WORDS.get(plain));
      } else if (raw.chars().anyMatch(Character::isDigit)) {
        names.add(stripPossessive(lower)); // gpt-4o, s3, iphone15: names with digits
        numbers.add(raw.replaceAll("\\D+", " ").trim());
      }
      boolean cjk = isCjk(raw.codePointAt(0));
      if (nonPrefix) {
        prefixed.add("non" + plain); // "non-linear", "non linear": the word "nonlinear"
        nonPrefix = false;
      }
      if (cjk) {
        negations += cjkNegations(raw, language);
        if (koreanProhibitive(previous, between, raw)) {
          negations++;
        }
      } else if (NEGATIONS.contains(plain)
          || plain.endsWith("nt") && lower.endsWith("n't")
          || lower.startsWith("n'") && lower.length() > 2) { // French elided ne: n'est, n'a
        negations++;
      } else if (plain.equals("non") && nonIsPrefix(text, m.end(), language)) {
        nonPrefix = true;
      } else if (plain.equals("sin") && m.end() < text.length() && text.charAt(m.end()) == '(') {
        // sin(x): the function, in any language
      } else if (LANGUAGE_NEGATIONS.containsKey(plain)
          && (language == null || LANGUAGE_NEGATIONS.get(plain).contains(language))) {
        negations++;
      } else if (plain.startsWith("non") && plain.length() > 5) {
        prefixed.add(plain); // "nonlinear", "nonprofit"
      }
      boolean capitalised = Character.isUpperCase(raw.codePointAt(0));
      // A run of two or more Han, kana or Hangul characters counts as a name (its upper case is
      // itself): the guard reads no numbers, days or opposites in those scripts, so such a run
      // must appear on both sides as it is.
      boolean acronym =
          raw.length() > 1
              && raw.equals(raw.toUpperCase(Locale.ROOT))
              && raw.chars().anyMatch(Character::isLetter);
      boolean innerCapital = raw.chars().skip(1).anyMatch(Character::isUpperCase);
      if (acronym || innerCapital || capitalised && !sentenceStart && !"I".equals(raw)) {
        names.add(stripPossessive(lower));
      }
      sentenceStart = false;
      words.add(plain);
      stems.add(stem(plain));
      stems.addAll(comparativeBases(plain));
      String unit = UNITS.get(plain);
      if (unit != null) {
        units.add(unit);
      }
      if (DAYS.contains(plain)) {
        days.add(plain);
      }
      String weekPart = WEEK_PARTS.get(plain);
      if (weekPart != null) {
        days.add(weekPart);
      }
      String dayPart = DAY_PARTS.get(plain);
      if (dayPart != null) {
        days.add(dayPart);
      }
      if (("am".equals(plain) || "pm".equals(plain))
          && words.size() > 1
          && isNumber(words.get(words.size() - 2))) {
        days.add(plain); // "7 am", not "am I": the clock's half only after a number
      }
      String relative =
          relativePeriod(
              words, unit != null ? unit : weekPart != null ? weekPart : stem(plain), language);
      if (relative != null) {
        days.add(relative);
      }
    }
    List<String> operators = new ArrayList<>();
    Matcher op = OPERATOR.matcher(text);
    while (op.find()) {
      String operator = operator(op.group());
      if (operator != null) {
        operators.add(operator);
        stems.add(operator);
      }
    }
    List<String> sorted = new ArrayList<>(words);
    sorted.sort(null);
    return new Profile(
        negations,
        stems,
        " " + String.join(" ", words) + " ",
        numbers,
        dedupe(names),
        sorted,
        words,
        units,
        days,
        prefixed,
        operators);
  }

  /** Whether a stored text ({@code cached}) may answer {@code query}. */
  public static boolean compatible(Profile query, Profile cached) {
    if (query.negations() != cached.negations()) {
      return false;
    }
    if (!query.numbers().equals(cached.numbers())) {
      return false;
    }
    if (!sameNames(query, cached)) {
      return false;
    }
    // Units: when both name some, the same ones in the same order ("10 minutes" is not "10
    // seconds"); a text naming none may still be a paraphrase ("annual" of "per year").
    if (!query.units().isEmpty()
        && !cached.units().isEmpty()
        && !query.units().equals(cached.units())) {
      return false;
    }
    // Days likewise: "yesterday" is not "today", "monday" not "friday".
    if (!query.days().isEmpty()
        && !cached.days().isEmpty()
        && !query.days().equals(cached.days())) {
      return false;
    }
    // Comparison operators: when both write some, the same ones in the same order ("> 100" is not
    // ">= 100", "== 0" not "!= 0").
    if (!query.operators().isEmpty()
        && !cached.operators().isEmpty()
        && !query.operators().equals(cached.operators())) {
      return false;
    }
    for (String[] pair : ANTONYMS) {
      if (swapped(query, cached, pair[0], pair[1])) {
        return false;
      }
    }
    if (swappedDirection(query, cached)) {
      return false;
    }
    // "non-linear" (or "nonlinear") on one side, "linear" alone on the other.
    if (prefixDropped(query, cached) || prefixDropped(cached, query)) {
      return false;
    }
    // "incorrect", "unhealthy", "disadvantages" on one side, the bare word on the other.
    if (negated(query, cached) || negated(cached, query)) {
      return false;
    }
    // "overweight" against "underweight", "hyperthyroidism" against "hypothyroidism".
    if (prefixSwapped(query, cached)) {
      return false;
    }
    // The same words in another order ("dog bites man"): the embedding cannot tell, neither can we.
    return !(query.sortedWords().equals(cached.sortedWords())
        && !query.words().equals(cached.words()));
  }

  /**
   * Prefixes that turn a word into its opposite: "unhealthy", "incorrect", "impure", "illegal",
   * "irrelevant", "disadvantages" (and German "unmöglich"). "non" has its own rule ({@link
   * #prefixDropped}), as it is also a word.
   */
  private static final String[] NEGATING_PREFIXES = {"un", "in", "im", "il", "ir", "dis"};

  /**
   * Whether {@code b} says a word of at least four letters with a {@link #NEGATING_PREFIXES
   * negating prefix} where {@code a} says the bare word, and neither says the other form too. A
   * word that merely begins so ("install" against "stall", "display" against "play") costs a hit,
   * never a wrong answer.
   */
  private static boolean negated(Profile a, Profile b) {
    for (String word : b.words()) {
      for (String prefix : NEGATING_PREFIXES) {
        if (word.length() >= prefix.length() + 4 && word.startsWith(prefix)) {
          String bare = word.substring(prefix.length());
          if (a.words().contains(bare) && !a.words().contains(word) && !b.words().contains(bare)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Prefixes that turn a word into its opposite's: "overvalued" and "undervalued". */
  private static final String[][] OPPOSITE_PREFIXES = {
    {"over", "under"}, {"hyper", "hypo"}, {"pre", "post"}
  };

  /**
   * Whether one side says a word with one of an {@link #OPPOSITE_PREFIXES opposite prefix pair}
   * (and at least three letters after it) where the other says it with the other prefix, and
   * neither says both.
   */
  private static boolean prefixSwapped(Profile a, Profile b) {
    for (String word : b.words()) {
      for (String[] pair : OPPOSITE_PREFIXES) {
        for (int side = 0; side < 2; side++) {
          String prefix = pair[side];
          if (word.length() >= prefix.length() + 3 && word.startsWith(prefix)) {
            String other = pair[1 - side] + word.substring(prefix.length());
            if (a.words().contains(other)
                && !a.words().contains(word)
                && !b.words().contains(other)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  /** Whether {@code a} says "nonX" where {@code b} says X and never "nonX". */
  private static boolean prefixDropped(Profile a, Profile b) {
    for (String word : a.prefixed()) {
      if (!b.prefixed().contains(word) && b.words().contains(word.substring(3))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the word "non" ending at {@code end} is a prefix rather than a negation: written with a
   * hyphen ("non-linear", "non-profit", "non-linéaire"), or followed by a word in a text read as
   * neither French nor Italian (English "non linear", "persona non grata").
   */
  private static boolean nonIsPrefix(String text, int end, String language) {
    if (end + 1 < text.length()
        && text.charAt(end) == '-'
        && Character.isLetter(text.charAt(end + 1))) {
      return true;
    }
    return language != null && !language.equals("fr") && !language.equals("it");
  }

  private static boolean isCjk(int codePoint) {
    Character.UnicodeScript script = Character.UnicodeScript.of(codePoint);
    return script == Character.UnicodeScript.HAN
        || script == Character.UnicodeScript.HIRAGANA
        || script == Character.UnicodeScript.KATAKANA
        || script == Character.UnicodeScript.HANGUL
        || codePoint == 0x30fc;
  }

  /** Han characters that negate (Chinese, and Japanese kanji prefixes: 不要, 無料, 未定, 非公開). */
  private static final String HAN_NEGATIONS = "不没沒未无無非勿";

  /**
   * Common words that begin with (or hold) one of {@link #HAN_NEGATIONS} and negate nothing: 不过
   * (but), 不断 (continually), 不仅/不但 (not only … but), 不久 (soon), 不管/不论 (no matter), 不少 (many), 不错
   * (good), 不停 (non-stop), 不思議 (wonder), 没错 (right), 未来 (future), 无论 (no matter), 非常 (very). Double
   * negations that mean "must" (不得不) are skipped whole.
   */
  private static final List<String> HAN_NOT_NEGATING =
      List.of(
          "不过", "不過", "不断", "不斷", "不仅", "不僅", "不但", "不久", "不管", "不论", "不論", "不少", "不错", "不錯", "不停",
          "不思議", "没错", "沒錯", "未来", "未來", "无论", "無論", "非常");

  /**
   * Japanese negative endings written in kana: ない (not, but not 少ない "few" or 危ない "dangerous"), なかっ
   * (past), なく, なけれ (conditional), ません (polite), ずに and せず (without doing).
   */
  private static final List<String> KANA_NEGATIONS =
      List.of("ない", "なかっ", "なく", "なけれ", "ません", "ずに", "せず");

  /**
   * The negations in a run of Han, kana or Hangul; Chinese and Japanese write no spaces, so the run
   * is read character by character. Korean: 않 and 없 always, 못 but not in 잘못 (mistake), 아니 (not in
   * 아니면 "or", 아니라 "but"), and 안 only as a word of its own (안녕 is hello, 안전 safety). Chinese 别/別
   * (don't) only in Chinese text (Japanese 別 is "other") and only where "don't" is written: at the
   * start or after a pronoun or adverb (别担心, 你别走), not in 特别, 区别, 别人.
   */
  private static int cjkNegations(String run, String language) {
    if (run.equals("안")) {
      return 1;
    }
    int count = 0;
    for (int i = 0; i < run.length(); i++) {
      char c = run.charAt(i);
      char prev = i > 0 ? run.charAt(i - 1) : ' ';
      char next = i + 1 < run.length() ? run.charAt(i + 1) : ' ';
      if (run.startsWith("不得不", i)) {
        i += 2;
      } else if (HAN_NEGATIONS.indexOf(c) >= 0) {
        boolean common = c == '不' && prev == '差' && next == '多'; // 差不多, about
        for (String word : HAN_NOT_NEGATING) {
          common |= run.startsWith(word, i);
        }
        if (!common) {
          count++;
        }
      } else if ((c == '别' || c == '別')
          && "zh".equals(language)
          && (i == 0 || "你您我他她它们們请請万萬可就还還也都先咱".indexOf(prev) >= 0)
          && "人的处處名墅致扭".indexOf(next) < 0) {
        count++;
      } else if (c == '않' || c == '없' || c == '못' && prev != '잘') {
        count++;
      } else if (c == '아'
          && "니닌닙님냐".indexOf(next) >= 0
          && !run.startsWith("아니면", i)
          && !run.startsWith("아니라", i)) {
        count++;
      } else {
        for (String ending : KANA_NEGATIONS) {
          if (run.startsWith(ending, i) && prev != '少' && prev != '危') {
            count++;
            i += ending.length() - 1;
            break;
          }
        }
      }
    }
    return count;
  }

  /**
   * The Korean prohibitive ("don't"): a verb's -지 followed by a form of 말다, 마세요, 마, 말고, 말아요, … Not
   * the ending 지 alone (a question or suggestion), nor 마/말 after another word: 어디까지 마셔요 (how far do
   * you drink), 이거 말고 (other than this).
   */
  private static final Set<String> KOREAN_PROHIBITIVE =
      Set.of("마", "마요", "마라", "마세요", "마십시오", "마시오", "말고", "말아", "말아요", "말아라", "말라", "말자", "맙시다");

  /**
   * Whether the Hangul run {@code run} says "don't": a {@link #KOREAN_PROHIBITIVE} form after a
   * word ending in 지 ({@code previous}, separated by {@code between}: spaces only), or written
   * together with it (하지마, 걱정하지말고).
   */
  private static boolean koreanProhibitive(String previous, String between, String run) {
    if (KOREAN_PROHIBITIVE.contains(run)) {
      return previous.endsWith("지") && between.isBlank();
    }
    int at = run.lastIndexOf('지');
    return at > 0 && KOREAN_PROHIBITIVE.contains(run.substring(at + 1));
  }

  private static boolean sameNames(Profile a, Profile b) {
    // A name one side writes in lower case ("gmail") still counts: names must appear on both
    // sides, and those both capitalise must come in the same order.
    for (String name : a.names()) {
      if (!b.joined().contains(" " + name + " ") && !b.names().contains(name)) {
        return false;
      }
    }
    for (String name : b.names()) {
      if (!a.joined().contains(" " + name + " ") && !a.names().contains(name)) {
        return false;
      }
    }
    List<String> common = new ArrayList<>(a.names());
    common.retainAll(b.names());
    List<String> other = new ArrayList<>(b.names());
    other.retainAll(a.names());
    return common.equals(other);
  }

  private static boolean swapped(Profile a, Profile b, String x, String y) {
    boolean ax = has(a, x);
    boolean ay = has(a, y);
    boolean bx = has(b, x);
    boolean by = has(b, y);
    return ax && !ay && by && !bx || ay && !ax && bx && !by;
  }

  /** Whether one side asks for {@link #MORE} and not {@link #LESS} and the other the reverse. */
  private static boolean swappedDirection(Profile a, Profile b) {
    boolean aMore = hasAny(a, MORE);
    boolean aLess = hasAny(a, LESS);
    boolean bMore = hasAny(b, MORE);
    boolean bLess = hasAny(b, LESS);
    return aMore && !aLess && bLess && !bMore || aLess && !aMore && bMore && !bLess;
  }

  private static boolean hasAny(Profile p, String[] words) {
    for (String word : words) {
      if (has(p, word)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The comparison {@code run} writes, normalised ({@code ≥} is {@code >=}, {@code =} and {@code
   * ===} are {@code ==}, {@code ≠}, {@code <>} and {@code !==} are {@code !=}), or null when it is
   * none ("!" ending a sentence, {@code <<}, {@code <=>}).
   */
  private static String operator(String run) {
    return switch (run) {
      case ">", "<", ">=", "<=" -> run;
      case "≥" -> ">=";
      case "≤" -> "<=";
      case "=", "==", "===" -> "==";
      case "!=", "!==", "≠", "<>" -> "!=";
      default -> null;
    };
  }

  /**
   * The stems of the opposites table {@code word} is a comparative or superlative of: "larger" and
   * "largest" of "larg", "bigger" of "big", "earlier" of "early", "safer" of "saf". Only stems the
   * table holds, so "user" or "interest" add nothing.
   */
  static List<String> comparativeBases(String word) {
    List<String> bases = new ArrayList<>(2);
    for (String suffix : new String[] {"est", "er"}) {
      if (word.length() - suffix.length() >= 3 && word.endsWith(suffix)) {
        String base = word.substring(0, word.length() - suffix.length());
        int n = base.length();
        addBase(bases, base);
        if (base.charAt(n - 1) == base.charAt(n - 2) && "aeiou".indexOf(base.charAt(n - 1)) < 0) {
          addBase(bases, base.substring(0, n - 1)); // bigger, hotter, thinner
        }
        if (base.charAt(n - 1) == 'i') {
          addBase(bases, base.substring(0, n - 1) + "y"); // earlier, easiest, heavier
        }
        break;
      }
    }
    return bases;
  }

  private static void addBase(List<String> bases, String base) {
    if (OPPOSITE_STEMS.contains(base)) {
      bases.add(base);
    }
  }

  private static boolean has(Profile p, String stem) {
    return stem.indexOf(' ') >= 0
        ? p.joined().contains(" " + stem + " ")
        : p.stems().contains(stem) || p.stems().contains(STEMMED.get(stem));
  }

  /**
   * "last week", "next 24 h", "this month" (normalised) when the word just added to {@code words}
   * is the period {@code period} and a {@link #RELATIVE} word stands right before it or before a
   * number before it; otherwise null.
   */
  private static String relativePeriod(List<String> words, String period, String language) {
    if (period == null || !PERIODS.contains(period)) {
      return null;
    }
    int before = words.size() - 2;
    String count = "";
    if (before >= 1 && isNumber(words.get(before))) {
      count = " " + normaliseNumberWord(words.get(before), language);
      before--;
    }
    String relative = before >= 0 ? RELATIVE.get(words.get(before)) : null;
    return relative == null ? null : relative + count + " " + period;
  }

  private static boolean isNumber(String word) {
    return NUMBER.matcher(word).matches() || NUMBER_WORDS.containsKey(word);
  }

  private static String normaliseNumberWord(String word, String language) {
    String n = NUMBER_WORDS.get(word);
    return n != null ? n : normaliseNumber(word, language);
  }

  /** A crude English stem: enough to match enable/enabled/enabling and their opposites. */
  static String stem(String word) {
    String w = word;
    for (String suffix : new String[] {"ing", "ed", "es", "e", "s"}) {
      if (w.length() > suffix.length() + 2 && w.endsWith(suffix)) {
        w = w.substring(0, w.length() - suffix.length());
        break;
      }
    }
    return w;
  }

  /**
   * A number by its value where its writing says it: 5,000 and 5000 are one number; 3.50 and 3.5
   * too. With a dot and a comma, the last one is the decimal separator and the other groups
   * thousands (1.500,5 = 1,500.5 = 1500.5). With commas only, several group thousands (1,234,567),
   * or, in English and Hindi text ({@link #INDIAN_GROUPS}), lakhs and crores (12,34,567, also
   * before a decimal point: 1,23,456.50), which equal only themselves in other text; one before
   * exactly three digits after one to three (1,500) is read as the text's {@code language} writes
   * it: 1500 in English ({@link #COMMA_GROUPS}), 1.5 in German ({@link #DECIMAL_COMMA}), only
   * itself in a text whose language is neither or unknown; after a zero or four digits or more
   * (0,750; 1234,567) and before other than three digits it is a decimal separator, as most of
   * Europe writes it: "1,5 kg" is 1.5 kg, never 15 kg (the two questions embed at 0.95). With dots
   * only, several group thousands (1.234.567); one is a decimal point, except before exactly three
   * digits after one to three (1.500): 1500 in Europe, 1.5 in English, so it equals only itself.
   * Anything else (versions, addresses, dates, misplaced groups) stays as written. Groups written
   * with spaces are joined before ({@link #joinSpaceGroups}).
   */
  private static String normaliseNumber(String raw, String language) {
    int dot = raw.lastIndexOf('.');
    int comma = raw.lastIndexOf(',');
    if (dot >= 0 && comma >= 0) {
      int decimal = Math.max(dot, comma);
      String integer = raw.substring(0, decimal);
      boolean grouped =
          dot > comma
              ? COMMA_GROUPED.matcher(integer).matches() || indianGrouped(integer, language)
              : DOT_GROUPED.matcher(integer).matches();
      return grouped ? decimal(integer.replaceAll("\\D", ""), raw.substring(decimal + 1)) : raw;
    }
    if (comma >= 0 && raw.indexOf(',') == comma && raw.length() - comma == 4) {
      String integer = raw.substring(0, comma);
      String fraction = raw.substring(comma + 1);
      if (integer.length() > 3 || integer.charAt(0) == '0') {
        return decimal(integer, fraction); // no convention groups there
      }
      if (language == null) {
        return raw;
      }
      return COMMA_GROUPS.contains(language)
          ? integer + fraction
          : DECIMAL_COMMA.contains(language) ? decimal(integer, fraction) : raw;
    }
    if (comma >= 0 && raw.indexOf(',') != comma && INDIAN_GROUPED.matcher(raw).matches()) {
      // Read by the thousands rule below it would be 12.34567.
      return language != null && INDIAN_GROUPS.contains(language) ? raw.replace(",", "") : raw;
    }
    if (comma >= 0) {
      String n = THOUSANDS.matcher(raw).replaceAll("");
      int at = n.indexOf(',');
      if (at < 0) {
        return n;
      }
      return n.indexOf(',', at + 1) < 0 ? decimal(n.substring(0, at), n.substring(at + 1)) : raw;
    }
    if (dot >= 0) {
      if (raw.indexOf('.') != dot) {
        return DOT_GROUPED.matcher(raw).matches() ? raw.replace(".", "") : raw;
      }
      return DOT_GROUPED.matcher(raw).matches()
          ? raw
          : decimal(raw.substring(0, dot), raw.substring(dot + 1));
    }
    return raw;
  }

  /** Whether {@code integer} is Indian-grouped in a text whose language writes it so. */
  private static boolean indianGrouped(String integer, String language) {
    return language != null
        && INDIAN_GROUPS.contains(language)
        && INDIAN_GROUPED.matcher(integer).matches();
  }

  /**
   * {@code text} with every {@link #SPACE_GROUPED} number written without its spaces and with a
   * decimal point ({@code 1 500,5} is 1500.5): a comma or dot after space-separated groups is the
   * decimal separator in every convention that groups with spaces. The joined integer has four
   * digits or more, so {@link #normaliseNumber} reads the dot as a decimal point.
   */
  private static String joinSpaceGroups(String text) {
    if (text.indexOf('\u00a0') < 0 && text.indexOf('\u202f') < 0) {
      return text;
    }
    Matcher m = SPACE_GROUPED.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    do {
      String integer = m.group(1).replaceAll("[\u00a0\u202f]", "");
      m.appendReplacement(out, m.group(2) == null ? integer : integer + "." + m.group(2));
    } while (m.find());
    m.appendTail(out);
    return out.toString();
  }

  /** {@code integer.fraction} without the fraction's trailing zeros (2.50 is 2.5, 2.0 is 2). */
  private static String decimal(String integer, String fraction) {
    String f = fraction.replaceAll("0+$", "");
    return f.isEmpty() ? integer : integer + "." + f;
  }

  /**
   * Whether the number starting at {@code at} has a minus sign: a {@code -} or {@code −} right
   * before it that does not join two words or numbers (gpt-4o, 2026-03-05, 10-20).
   */
  private static boolean negative(String text, int at) {
    if (at == 0) {
      return false;
    }
    char sign = text.charAt(at - 1);
    return (sign == '-' || sign == '\u2212')
        && (at == 1 || !Character.isLetterOrDigit(text.charAt(at - 2)));
  }

  private static String stripPossessive(String word) {
    return word.endsWith("'s") ? word.substring(0, word.length() - 2) : word;
  }

  private static List<String> dedupe(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (!out.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }
}
