package dev.switchboard.gateway.refusal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The detector against a labelled set of answers written for it ({@code
 * refusal/refusal-labelled.jsonl}: text, language, label, kind). The floors asserted here are what
 * the test guards; the measured figures are printed and recorded in the module README.
 */
class RefusalDetectorTest {

  /** One labelled answer. */
  record Labelled(String lang, boolean refusal, String kind, String text) {}

  /** Counts of one language (or of all). */
  static final class Tally {
    int truePositives;
    int falsePositives;
    int falseNegatives;
    int trueNegatives;

    void add(boolean actual, boolean predicted) {
      if (actual && predicted) {
        truePositives++;
      } else if (predicted) {
        falsePositives++;
      } else if (actual) {
        falseNegatives++;
      } else {
        trueNegatives++;
      }
    }

    double precision() {
      int predicted = truePositives + falsePositives;
      return predicted == 0 ? 1.0 : (double) truePositives / predicted;
    }

    double recall() {
      int actual = truePositives + falseNegatives;
      return actual == 0 ? 1.0 : (double) truePositives / actual;
    }

    int size() {
      return truePositives + falsePositives + falseNegatives + trueNegatives;
    }
  }

  static final double PRECISION_FLOOR = 0.95;
  static final double RECALL_FLOOR = 0.90;

  /**
   * Per language the sets are small (12 to 90 answers); a floor still catches a broken language.
   */
  static final double PER_LANGUAGE_FLOOR = 0.80;

  static final double HOLDOUT_PRECISION_FLOOR = 0.95;
  static final double HOLDOUT_RECALL_FLOOR = 0.85;

  static List<Labelled> set;
  final RefusalDetector detector = RefusalDetector.standard();

  @BeforeAll
  static void load() throws IOException {
    set = read("/refusal/refusal-labelled.jsonl");
  }

  static List<Labelled> read(String resource) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Labelled> out = new ArrayList<>();
    try (InputStream in = RefusalDetectorTest.class.getResourceAsStream(resource);
        BufferedReader r =
            new BufferedReader(
                new InputStreamReader(Objects.requireNonNull(in), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = json.readTree(line);
        String label = n.get("label").asText();
        assertThat(label).isIn("refusal", "answer");
        out.add(
            new Labelled(
                n.get("lang").asText(),
                "refusal".equals(label),
                n.path("kind").asText(""),
                n.get("text").asText()));
      }
    }
    return out;
  }

  @Test
  void theLabelledSetIsLargeBalancedAndCoversEveryLanguage() {
    long refusals = set.stream().filter(Labelled::refusal).count();
    assertThat(set).hasSizeGreaterThanOrEqualTo(200);
    assertThat(refusals).isGreaterThanOrEqualTo(80);
    assertThat(set.size() - refusals).isGreaterThanOrEqualTo(120);
    assertThat(set.stream().filter(l -> l.kind().equals("hard-negative")).count())
        .isGreaterThanOrEqualTo(40);
    for (String lang : RefusalDetector.LANGUAGES) {
      assertThat(set)
          .as(lang)
          .anyMatch(l -> l.lang().equals(lang) && l.refusal())
          .anyMatch(l -> l.lang().equals(lang) && !l.refusal());
    }
  }

  @Test
  void precisionAndRecallOnTheLabelledSetStayAboveTheirFloors() {
    Evaluation e = evaluate("labelled set", set);

    assertThat(e.all.precision()).as(e.report).isGreaterThanOrEqualTo(PRECISION_FLOOR);
    assertThat(e.all.recall()).as(e.report).isGreaterThanOrEqualTo(RECALL_FLOOR);
    e.byLang.forEach(
        (lang, t) -> {
          assertThat(t.precision()).as(lang + e.report).isGreaterThanOrEqualTo(PER_LANGUAGE_FLOOR);
          assertThat(t.recall()).as(lang + e.report).isGreaterThanOrEqualTo(PER_LANGUAGE_FLOOR);
        });
  }

  /**
   * The held-out set ({@code refusal/refusal-holdout.jsonl}) was written after the patterns were
   * frozen and is never used to tune them, so its figures estimate how the detector does on
   * phrasings it was not written for. Its floors are lower on purpose.
   */
  @Test
  void precisionAndRecallOnTheHeldOutSet() throws IOException {
    List<Labelled> holdout = read("/refusal/refusal-holdout.jsonl");
    assertThat(holdout).hasSizeGreaterThanOrEqualTo(40);
    Evaluation e = evaluate("held-out set", holdout);

    assertThat(e.all.precision()).as(e.report).isGreaterThanOrEqualTo(HOLDOUT_PRECISION_FLOOR);
    assertThat(e.all.recall()).as(e.report).isGreaterThanOrEqualTo(HOLDOUT_RECALL_FLOOR);
  }

  record Evaluation(Map<String, Tally> byLang, Tally all, String report) {}

  private Evaluation evaluate(String name, List<Labelled> answers) {
    Map<String, Tally> byLang = new LinkedHashMap<>();
    Tally all = new Tally();
    List<String> mistakes = new ArrayList<>();
    for (Labelled l : answers) {
      boolean predicted = detector.isRefusal(l.text());
      all.add(l.refusal(), predicted);
      byLang.computeIfAbsent(l.lang(), k -> new Tally()).add(l.refusal(), predicted);
      if (predicted != l.refusal()) {
        mistakes.add(
            (predicted ? "FP " : "FN ")
                + l.lang()
                + " "
                + l.kind()
                + ": "
                + l.text()
                + detector.match(l.text()).map(m -> "  <- " + m.phrase()).orElse(""));
      }
    }
    StringBuilder report =
        new StringBuilder("\n" + name + "\nlanguage  answers  refusals  precision  recall\n");
    byLang.forEach((lang, t) -> report.append(row(lang, t)));
    report.append(row("all", all));
    mistakes.forEach(m -> report.append(m).append('\n'));
    System.out.println(report);
    return new Evaluation(byLang, all, report.toString());
  }

  private static String row(String lang, Tally t) {
    return String.format(
        "%-8s  %7d  %8d  %9.3f  %6.3f%n",
        lang, t.size(), t.truePositives + t.falseNegatives, t.precision(), t.recall());
  }

  /** The trigger substrings only save time: they never hide a match the patterns would make. */
  @Test
  void thePrefilterNeverChangesAVerdict() {
    for (Labelled l : set) {
      assertThat(detector.find(l.text(), true))
          .as(l.text())
          .isEqualTo(detector.find(l.text(), false));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "I'm sorry, but I can't help with that.",
        "I can’t help with that.",
        "**I cannot   comply** with this request.",
        "I\u00a0won't\nassist with that.",
        "  _I must decline._",
        "抱歉，我不能帮助你。",
        "申し訳ありませんが、お手伝いできません。",
        "Je ne peux pas vous aider.",
        "Lo siento, no puedo ayudar con eso.",
        "Es tut mir leid, aber ich kann dabei nicht helfen."
      })
  void recognisesRefusalsWhateverTheirTypography(String text) {
    assertThat(detector.isRefusal(text)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "You can't divide by zero, so check the denominator.",
        "I can't stress enough how important backups are.",
        "If the API says 'I cannot connect', check the port.",
        "The docs quote the bot: \"I can't help with that.\" Then they explain why.",
        "In a code block:\n```\nprint(\"I can't help with that\")\n```",
        "Sorry for the confusion — here is the corrected code.",
        "I can't provide personalized financial advice, but here are some general principles.",
        ""
      })
  void answersThatMerelySayCantAreNotRefusals(String text) {
    assertThat(detector.isRefusal(text)).isFalse();
  }

  @Test
  void nullIsNotARefusal() {
    assertThat(detector.isRefusal(null)).isFalse();
    assertThat(detector.match(null)).isEmpty();
  }

  @Test
  void onlyTheOpeningIsExamined() {
    String filler = "Here is the summary you asked for. ".repeat(12); // 420 characters
    assertThat(filler.length()).isGreaterThan(RefusalDetector.MAX_CHARS);
    assertThat(detector.isRefusal(filler + "I can't help with that.")).isFalse();
    assertThat(detector.isRefusal(filler.substring(0, 300) + " I can't help with that.")).isTrue();
  }

  @Test
  void saysWhichPhraseAndLanguageMadeTheRefusal() {
    assertThat(detector.match("Thanks! Unfortunately, I'm unable to assist with that."))
        .contains(new RefusalDetector.Match("en", "i'm unable to assist"));
    assertThat(detector.match("很抱歉，这个问题我无法回答。").map(RefusalDetector.Match::language))
        .contains("zh");
  }

  @Test
  void normalisationFoldsTypographyAndCutsAtTheCap() {
    assertThat(RefusalDetector.normalise("  **I’m**\u00a0 SORRY —\n\n«non»，好。 "))
        .isEqualTo("i'm sorry - \"non\",好.");
    assertThat(RefusalDetector.normalise("x".repeat(1000))).hasSize(RefusalDetector.MAX_CHARS);
  }
}
