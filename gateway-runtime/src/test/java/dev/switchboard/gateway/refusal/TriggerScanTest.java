package dev.switchboard.gateway.refusal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The one-pass trigger scan decides exactly as one {@code contains} per trigger would. */
class TriggerScanTest {

  private static final List<RefusalRules.Rule> RULES = RefusalRules.standard();
  private static final TriggerScan SCAN = new TriggerScan(RULES);

  /** The rules whose triggers occur, by the definition: one search per trigger. */
  private static long byDefinition(List<RefusalRules.Rule> rules, String text) {
    long found = 0;
    for (int r = 0; r < rules.size(); r++) {
      if (rules.get(r).triggeredBy(text)) {
        found |= 1L << r;
      }
    }
    return found;
  }

  @Test
  void agreesWithTheDefinitionOnEveryLabelledAnswer() throws IOException {
    List<String> texts = new ArrayList<>();
    for (String set :
        List.of("/refusal/refusal-labelled.jsonl", "/refusal/refusal-holdout.jsonl")) {
      RefusalDetectorTest.read(set).forEach(l -> texts.add(RefusalDetector.normalise(l.text())));
    }
    assertThat(texts).hasSizeGreaterThan(100);
    long seen = 0;
    for (String text : texts) {
      long expected = byDefinition(RULES, text);
      assertThat(SCAN.rulesTriggeredBy(text)).as(text).isEqualTo(expected);
      seen |= expected;
    }
    // The set exercises most rules' triggers, not only the empty outcome.
    assertThat(Long.bitCount(seen)).isGreaterThan(RULES.size() / 2);
  }

  @Test
  void agreesWithTheDefinitionOnTextsMadeOfTriggerPieces() {
    // Triggers cut, overlapped and glued together with other characters: where a failure link or
    // an inherited output would go wrong.
    List<String> pieces = new ArrayList<>();
    for (RefusalRules.Rule rule : RULES) {
      for (String t : rule.triggers()) {
        pieces.add(t);
        pieces.add(t.substring(0, Math.max(1, t.length() - 1)));
        pieces.add(t.substring(Math.min(1, t.length() - 1)));
      }
    }
    pieces.addAll(List.of(" ", "'", "x", "é", "。", "q"));
    Random random = new Random(21);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder text = new StringBuilder();
      int n = 1 + random.nextInt(8);
      for (int j = 0; j < n; j++) {
        text.append(pieces.get(random.nextInt(pieces.size())));
      }
      String s = text.toString();
      assertThat(SCAN.rulesTriggeredBy(s)).as(s).isEqualTo(byDefinition(RULES, s));
    }
  }

  @Test
  void findsOverlappingAndNestedTriggersOfSmallRules() {
    List<RefusalRules.Rule> rules =
        List.of(
            new RefusalRules.Rule("t", false, Pattern.compile("x"), "she"),
            new RefusalRules.Rule("t", false, Pattern.compile("x"), "he", "hers"),
            new RefusalRules.Rule("t", false, Pattern.compile("x"), "his"),
            new RefusalRules.Rule("t", false, Pattern.compile("x"), "不能"));
    TriggerScan scan = new TriggerScan(rules);
    assertThat(scan.rulesTriggeredBy("ushers")).isEqualTo(0b011); // she, he, hers
    assertThat(scan.rulesTriggeredBy("hi his")).isEqualTo(0b100);
    assertThat(scan.rulesTriggeredBy("我不能")).isEqualTo(0b1000);
    assertThat(scan.rulesTriggeredBy("不 能 h e")).isZero();
    assertThat(scan.rulesTriggeredBy("")).isZero();
  }

  @Test
  void refusesRuleSetsItCannotRepresent() {
    List<RefusalRules.Rule> many = new ArrayList<>();
    for (int i = 0; i < 65; i++) {
      many.add(new RefusalRules.Rule("t", false, Pattern.compile("x"), "t" + i));
    }
    assertThatThrownBy(() -> new TriggerScan(many)).hasMessageContaining("at most 64");
    assertThatThrownBy(
            () ->
                new TriggerScan(
                    List.of(new RefusalRules.Rule("t", false, Pattern.compile("x"), ""))))
        .hasMessageContaining("empty trigger");
  }
}
