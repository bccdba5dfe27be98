package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache on a labelled evaluation set (src/test/resources/cache, 2,135 pairs generated
 * with a fixed seed by generate_eval_set.py): true repeats and paraphrases must be served, the
 * traps — negation, antonyms, comparisons turned the other way, swapped numbers, swapped entities,
 * another system prompt, another history — must not. Each pair goes through what the gateway does:
 * the partition of {@link CacheRequest}, the all-MiniLM-L6-v2 embedding, the threshold and the
 * {@link LexicalGuard}. Writes the threshold curve to target/semantic-cache-eval.md (copied into
 * BENCHMARKS.md).
 */
class SemanticCacheEvaluationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCOPE = "tenant\nroute\nCHAT_COMPLETIONS\njson\nmock/model\nstable";

  record Scored(
      String category,
      boolean same,
      boolean samePartition,
      float similarity,
      boolean guardPasses,
      String asked) {
    boolean hit(double threshold, boolean guard) {
      return samePartition && similarity >= threshold && (!guard || guardPasses);
    }
  }

  static List<Scored> scored = new ArrayList<>();

  @BeforeAll
  static void score() throws IOException {
    MiniLmEmbedder embedder = new MiniLmEmbedder();
    Map<String, float[]> vectors = new HashMap<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                SemanticCacheEvaluationTest.class.getResourceAsStream(
                    "/cache/semantic-cache-eval.jsonl"),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode pair = JSON.readTree(line);
        CacheRequest a = CacheRequest.of(chat(pair.get("a")), SCOPE, false);
        CacheRequest b = CacheRequest.of(chat(pair.get("b")), SCOPE, false);
        float[] va = vectors.computeIfAbsent(a.semanticText(), embedder::embed);
        float[] vb = vectors.computeIfAbsent(b.semanticText(), embedder::embed);
        scored.add(
            new Scored(
                pair.get("category").asText(),
                "same".equals(pair.get("label").asText()),
                a.partition().equals(b.partition()),
                VectorMath.dot(vb, va, 0),
                LexicalGuard.compatible(
                    LexicalGuard.profile(b.semanticText()), LexicalGuard.profile(a.semanticText())),
                pair.get("b").get("user").asText()));
      }
    }
  }

  static ObjectNode chat(JsonNode request) {
    ObjectNode chat = JSON.createObjectNode();
    chat.put("model", "chat-default").put("temperature", 0);
    ArrayNode messages = chat.putArray("messages");
    messages.addObject().put("role", "system").put("content", request.get("system").asText());
    for (JsonNode turn : request.get("history")) {
      messages.addObject().put("role", turn.get(0).asText()).put("content", turn.get(1).asText());
    }
    messages.addObject().put("role", "user").put("content", request.get("user").asText());
    return chat;
  }

  static double hitRate(double threshold, boolean guard) {
    return rate(s -> s.same(), threshold, guard);
  }

  static double falseHitRate(double threshold, boolean guard) {
    return rate(s -> !s.same(), threshold, guard);
  }

  static double rate(java.util.function.Predicate<Scored> of, double threshold, boolean guard) {
    long n = scored.stream().filter(of).count();
    long hits = scored.stream().filter(of).filter(s -> s.hit(threshold, guard)).count();
    return hits / (double) n;
  }

  @Test
  void atTheDefaultThresholdFalseHitsStayBelowOnePercentAndHalfTheRepeatsAreServed() {
    double t = CacheSettings.DEFAULT_THRESHOLD;

    assertThat(scored).hasSizeGreaterThanOrEqualTo(2000);
    assertThat(falseHitRate(t, true)).isLessThanOrEqualTo(0.01);
    assertThat(hitRate(t, true)).isGreaterThanOrEqualTo(0.50);
  }

  @Test
  void noTrapCrossesAPartition() {
    // Another system prompt or another history is a different partition: impossible to hit at any
    // similarity, not merely unlikely.
    assertThat(scored)
        .filteredOn(s -> s.category().equals("system-prompt") || s.category().equals("history"))
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.samePartition()).isFalse());
    assertThat(scored)
        .filteredOn(s -> s.same())
        .allSatisfy(s -> assertThat(s.samePartition()).isTrue());
  }

  @Test
  void aComparisonTurnedTheOtherWayIsNeverServed() {
    // "price > 100" against "price < 100", "older than 30 days" against "newer than", "at least 3
    // times" against "at most": the embedding scores most of them above the default threshold, so
    // only the guard tells them apart. Served before the guard read operators and comparatives.
    double t = CacheSettings.DEFAULT_THRESHOLD;
    List<Scored> comparisons =
        scored.stream().filter(s -> s.category().equals("comparison")).toList();
    assertThat(comparisons).hasSizeGreaterThanOrEqualTo(48);
    assertThat(comparisons).filteredOn(s -> s.hit(t, false)).hasSizeGreaterThanOrEqualTo(30);
    assertThat(comparisons)
        .allSatisfy(s -> assertThat(s.hit(t, true)).as(s.asked() + " " + s.similarity()).isFalse());
  }

  @Test
  void theLexicalGuardCatchesWhatTheThresholdAloneServes() {
    // Without the guard, negations, antonyms and swapped numbers score above the threshold.
    double t = CacheSettings.DEFAULT_THRESHOLD;
    assertThat(falseHitRate(t, false)).isGreaterThan(falseHitRate(t, true));
  }

  @Test
  void writesTheThresholdCurve() throws IOException {
    StringBuilder md = new StringBuilder();
    Map<String, long[]> counts = new TreeMap<>();
    scored.forEach(s -> counts.computeIfAbsent(s.category(), k -> new long[1])[0]++);
    md.append("pairs: ")
        .append(scored.size())
        .append(' ')
        .append(counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()[0]).toList())
        .append("\n\n");
    md.append(
        "| threshold | hit rate (repeats + paraphrases) | paraphrases | false-hit rate |"
            + " false-hit rate without lexical guard |\n|---|---|---|---|---|\n");
    for (int i = 80; i <= 99; i++) {
      double t = i / 100.0;
      md.append(
          String.format(
              Locale.ROOT,
              "| %.2f | %.1f %% | %.1f %% | %.2f %% | %.2f %% |%n",
              t,
              100 * hitRate(t, true),
              100 * rate(s -> s.category().equals("paraphrase"), t, true),
              100 * falseHitRate(t, true),
              100 * falseHitRate(t, false)));
    }
    double t = CacheSettings.DEFAULT_THRESHOLD;
    md.append("\nper category at the default threshold ").append(t).append(":\n\n");
    md.append("| category | label | served |\n|---|---|---|\n");
    for (String category : counts.keySet()) {
      List<Scored> of = scored.stream().filter(s -> s.category().equals(category)).toList();
      long hits = of.stream().filter(s -> s.hit(t, true)).count();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d / %d |%n",
              category,
              of.get(0).same() ? "same" : "different",
              hits,
              of.size()));
    }
    Path out = Path.of("target", "semantic-cache-eval.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, md);
    assertThat(out).isNotEmptyFile();
  }
}
