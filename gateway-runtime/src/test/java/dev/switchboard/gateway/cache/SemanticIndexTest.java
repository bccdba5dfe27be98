package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.gateway.upstream.Operation;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The SimHash filter in front of the exact search loses no match: every stored vector at or above
 * the threshold is found, exactly as an exhaustive search finds it, and nothing below it is.
 */
class SemanticIndexTest {

  @Test
  void theFilterFindsEveryVectorAtOrAboveTheThresholdAndNothingBelow() {
    Random random = new Random(18);
    int dimensions = 384;
    double threshold = 0.95;
    int queries = 400;
    SemanticIndex index = new SemanticIndex(100_000, 3_600_000);
    float[][] query = new float[queries][];
    int stored = 0;
    for (int q = 0; q < queries; q++) {
      query[q] = unit(random, dimensions);
      // Around each query: vectors at similarities from 0.90 to 1.0 (half above the threshold,
      // many just above it, where the filter is tightest), plus unrelated ones.
      for (int k = 0; k < 20; k++) {
        double cos = 0.90 + 0.10 * random.nextDouble();
        index.add("p", at(random, query[q], cos), answer(q + ":" + cos), 0);
        stored++;
      }
      for (int k = 0; k < 20; k++) {
        index.add("p", unit(random, dimensions), answer("noise"), 0);
        stored++;
      }
    }
    assertThat(index.size()).isEqualTo(stored);
    long expected = 0;
    long found = 0;
    for (int q = 0; q < queries; q++) {
      List<SemanticIndex.Match> matches = index.search("p", query[q], threshold, 1);
      for (SemanticIndex.Match m : matches) {
        assertThat((double) m.similarity()).isGreaterThanOrEqualTo(threshold);
      }
      String own = q + ":";
      found += matches.stream().filter(m -> m.answer().text().startsWith(own)).count();
      expected += bruteForce(index, query[q], threshold, q);
    }
    assertThat(expected).isGreaterThan(3_000); // enough true matches to mean something
    assertThat(found).isEqualTo(expected);
  }

  @Test
  void partitionsHoldVectorsOfTheirOwnLengthAndNeverCompareOthers() {
    Random random = new Random(7);
    SemanticIndex index = new SemanticIndex(1000, 3_600_000);
    float[] builtin = unit(random, 384);
    float[] provider = unit(random, 1536);
    index.add("minilm", builtin, answer("384"), 0);
    index.add("provider", provider, answer("1536"), 0);

    assertThat(index.search("minilm", builtin, 0.99, 1))
        .extracting(m -> m.answer().text())
        .containsExactly("384");
    assertThat(index.search("provider", provider, 0.99, 1))
        .extracting(m -> m.answer().text())
        .containsExactly("1536");
    // A query of another length is never compared with the partition's vectors.
    assertThat(index.search("provider", builtin, -1, 1)).isEmpty();
  }

  @Test
  void vectorsOfANewLengthReplaceThePartitionsOldOnesAtOnce() {
    Random random = new Random(11);
    AtomicLong budget = new AtomicLong();
    SemanticIndex index = new SemanticIndex(1000, 3_600_000, budget, Long.MAX_VALUE, "faq");
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger logger = (Logger) LoggerFactory.getLogger(SemanticIndex.class);
    logger.addAppender(log);
    try {
      float[] old = unit(random, 1536);
      for (int i = 0; i < 5; i++) {
        index.add("p", old, answer("old " + i), 0);
      }
      float[] other = unit(random, 1536);
      index.add("q", other, answer("other partition"), 0);
      long otherBytes = SemanticIndex.entryBytes(answer("other partition"), 1536);

      // The provider now embeds the same question into 3,072 floats under the same name: the
      // first such answer replaces the partition's old vectors, and the next lookup hits.
      float[] now = unit(random, 3072);
      assertThat(index.search("p", now, 0.9, 1)).isEmpty();
      index.add("p", now, answer("new"), 1);
      assertThat(index.search("p", now, 0.9, 2))
          .extracting(m -> m.answer().text())
          .containsExactly("new");
      assertThat(index.search("p", old, -1, 2)).isEmpty();
      assertThat(index.size()).isEqualTo(2);
      assertThat(budget.get())
          .as("the old entries' bytes came back")
          .isEqualTo(otherBytes + SemanticIndex.entryBytes(answer("new"), 3072));
      // Another partition of the old length is left alone until a new vector reaches it.
      assertThat(index.search("q", other, 0.99, 2))
          .extracting(m -> m.answer().text())
          .containsExactly("other partition");
      assertThat(log.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .singleElement()
          .asString()
          .contains("route faq", "from 1536 to 3072", "dropped the 5 entries");

      // The dropped entries' places in the insertion order are skipped: expiry and the entry limit
      // count live entries only, and everything comes back.
      index.expire(3_599_999);
      assertThat(index.size()).isEqualTo(2);
      index.expire(3_600_000);
      assertThat(index.size()).isZero();
      assertThat(index.partitions()).isZero();
      assertThat(budget.get()).isZero();
    } finally {
      logger.detachAppender(log);
    }
  }

  @Test
  void lengthsThatKeepChangingNeitherLeakNorBreakTheEntryLimit() {
    Random random = new Random(12);
    AtomicLong budget = new AtomicLong();
    SemanticIndex index = new SemanticIndex(100, 3_600_000, budget, Long.MAX_VALUE);
    for (int round = 0; round < 50; round++) {
      int length = round % 2 == 0 ? 384 : 768;
      for (int i = 0; i < 80; i++) {
        index.add("p" + (i % 3), unit(random, length), answer(round + ":" + i), round);
      }
    }
    assertThat(index.size()).isLessThanOrEqualTo(100);
    float[] last = unit(random, 768);
    index.add("p0", last, answer("last"), 50);
    assertThat(index.search("p0", last, 0.99, 51))
        .extracting(m -> m.answer().text())
        .containsExactly("last");
    index.close();
    assertThat(budget.get()).isZero();
  }

  @Test
  void theHammingBoundTightensAsTheThresholdRises() {
    assertThat(SemanticIndex.maxHamming(0.99)).isLessThan(SemanticIndex.maxHamming(0.95));
    assertThat(SemanticIndex.maxHamming(0.95)).isLessThan(SemanticIndex.maxHamming(0.80));
    // At 0.95 the filter leaves out unrelated vectors (≈ half the bits differ: 192).
    assertThat(SemanticIndex.maxHamming(0.95)).isLessThan(100);
  }

  /** How many vectors stored for query {@code q} are at or above the threshold (exact cosine). */
  private static long bruteForce(SemanticIndex index, float[] query, double threshold, int q) {
    // Threshold -1 lets every signature through: an exhaustive search. The text records the cosine
    // each vector was made at (at() produces it up to float rounding).
    String own = q + ":";
    return index.search("p", query, -1, 1).stream()
        .filter(m -> m.answer().text().startsWith(own))
        .filter(m -> Double.parseDouble(m.answer().text().split(":")[1]) >= threshold)
        .count();
  }

  private static CachedAnswer answer(String text) {
    return new CachedAnswer(
        new byte[0],
        null,
        null,
        Operation.CHAT_COMPLETIONS,
        null,
        "t",
        null,
        null,
        null,
        0,
        0,
        "p",
        text);
  }

  private static float[] unit(Random random, int dimensions) {
    float[] v = new float[dimensions];
    for (int i = 0; i < dimensions; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return VectorMath.normalise(v);
  }

  /** A unit vector whose cosine with unit {@code q} is {@code cos}. */
  private static float[] at(Random random, float[] q, double cos) {
    float[] r = unit(random, q.length);
    float along = VectorMath.dot(r, q, 0);
    for (int i = 0; i < r.length; i++) {
      r[i] -= along * q[i];
    }
    VectorMath.normalise(r);
    double sin = Math.sqrt(1 - cos * cos);
    float[] v = new float[q.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (cos * q[i] + sin * r[i]);
    }
    return v;
  }
}
