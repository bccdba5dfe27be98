package dev.switchboard.gateway.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * The evaluation figures of this replica, cumulative since it started, as sufficient statistics the
 * operator can add up across replicas and over days: per evaluation, baseline and candidate (pairs
 * of different baselines are never pooled), the count of sampled requests, failures and refusals of
 * each arm, the mirrors skipped (no key, quota or bulkhead: not the model's doing, so neither a
 * request nor a failure), and for every request both arms answered (a pair) the sums Σb, Σc, Σb²,
 * Σc², Σbc of each figure — enough for means, variances and the covariance of paired ratios. The
 * last few pairs are kept with a sequence number (and excerpts when the route logs bodies) for the
 * runbook's examples. {@code instance} changes on restart so the operator knows the counters
 * started again. Thread-safe (one lock; called once per finished mirror, off the client path).
 *
 * <p>Since the operator pulls these sums (every 30 s) and a new instance starts from zero, what a
 * replica counted since its last report read is lost when it stops. So it knows what is still
 * unreported: the sampled requests whose pairs are not recorded yet ({@link #opened}) and the
 * records since the last report delivered ({@link #delivered}); a graceful shutdown waits for
 * {@link #whenReported} (bounded) before it closes the admin port — only while an operator is
 * reading this replica ({@link #readerExpectedUntilMs}): with none, no read would ever come.
 */
public final class EvaluationRecorder {

  /**
   * Pairs kept per candidate for examples (the operator pulls far more often than they turn over).
   */
  static final int RECENT_PAIRS = 64;

  /**
   * How long after its last read of {@code /admin/evaluations} an operator still counts as reading
   * this replica: its collection pace ({@link RoutingTable.Evaluation#COLLECT_EVERY_MS}, 30 s) and
   * half of it again for a busy operator or a slow read.
   */
  public static final long READER_GONE_AFTER_MS = RoutingTable.Evaluation.COLLECT_EVERY_MS * 3 / 2;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The gateway clock, read once per delivered report (every 30 s), never per request. */
  private final LongSupplier clockMs;

  /** When this recorder was made (the replica started), on the gateway clock. */
  private final long startedAtMs;

  /** When a report last reached its reader, on the gateway clock; none yet: {@code null}. */
  private Long lastDeliveredAtMs;

  private final String instance = UUID.randomUUID().toString();
  private final Map<String, Candidate> candidates = new LinkedHashMap<>();
  private long sequence;

  /** Records so far (pairs and skips); a report carries the count it covers ({@code recorded}). */
  private long recorded;

  /** The {@code recorded} of the last report the operator received. */
  private long delivered;

  /** Records owed by sampled requests whose mirrors are still being decided, sent or answered. */
  private long open;

  /** Who waits for every record to be in a delivered report (a graceful shutdown). */
  private final List<Promise<Void>> waiters = new ArrayList<>();

  /** A recorder on the gateway clock ({@code clockMs}: its current time in milliseconds). */
  public EvaluationRecorder(LongSupplier clockMs) {
    this.clockMs = clockMs;
    this.startedAtMs = clockMs.getAsLong();
  }

  /** Sums of one figure over the pairs where both arms had it. */
  static final class PairedSums {
    long n;
    double sumB;
    double sumC;
    double sumB2;
    double sumC2;
    double sumBc;

    void add(double b, double c) {
      if (Double.isNaN(b) || Double.isNaN(c)) {
        return;
      }
      n++;
      sumB += b;
      sumC += c;
      sumB2 += b * b;
      sumC2 += c * c;
      sumBc += b * c;
    }
  }

  private static final class Candidate {
    final String route;
    final String evaluation;
    final String target;
    final String baselineTarget;
    long requests;
    long baselineSkipped;
    long candidateSkipped;
    long baselineFailures;
    long candidateFailures;
    long baselineRefusals;
    long candidateRefusals;
    long answeredBaseline;
    long answeredCandidate;
    final PairedSums[] figures = new PairedSums[AnswerMeasures.FIGURES.length];
    final Deque<ObjectNode> recent = new ArrayDeque<>();

    Candidate(String route, String evaluation, String target, String baselineTarget) {
      this.route = route;
      this.evaluation = evaluation;
      this.target = target;
      this.baselineTarget = baselineTarget;
      for (int i = 0; i < figures.length; i++) {
        figures[i] = new PairedSums();
      }
    }
  }

  /**
   * Records one sampled request as both arms answered it (or were skipped: {@link
   * AnswerMeasures#SKIPPED}).
   *
   * @param excerpts whether the answers' excerpts may be kept (the route's policy logs bodies)
   */
  public synchronized void record(
      String route,
      String evaluation,
      String baselineTarget,
      String candidateTarget,
      AnswerMeasures baseline,
      AnswerMeasures candidate,
      boolean excerpts) {
    recorded++;
    if (open > 0) {
      open--;
    }
    Candidate c =
        candidates.computeIfAbsent(
            route + "\n" + evaluation + "\n" + baselineTarget + "\n" + candidateTarget,
            k -> new Candidate(route, evaluation, candidateTarget, baselineTarget));
    if (baseline.skipped() || candidate.skipped()) {
      // Never sent: says nothing about either model (a skipped baseline leaves nothing to pair).
      c.baselineSkipped += baseline.skipped() ? 1 : 0;
      c.candidateSkipped += candidate.skipped() ? 1 : 0;
      return;
    }
    c.requests++;
    if (baseline.failed()) {
      c.baselineFailures++;
    } else {
      c.answeredBaseline++;
      c.baselineRefusals += baseline.refused() ? 1 : 0;
    }
    if (candidate.failed()) {
      c.candidateFailures++;
    } else {
      c.answeredCandidate++;
      c.candidateRefusals += candidate.refused() ? 1 : 0;
    }
    if (baseline.failed() || candidate.failed()) {
      return;
    }
    for (int i = 0; i < AnswerMeasures.FIGURES.length; i++) {
      c.figures[i].add(baseline.figure(i), candidate.figure(i));
    }
    ObjectNode pair = JSON.createObjectNode().put("seq", ++sequence);
    pair.set("baseline", measures(baseline, excerpts));
    pair.set("candidate", measures(candidate, excerpts));
    c.recent.addLast(pair);
    if (c.recent.size() > RECENT_PAIRS) {
      c.recent.removeFirst();
    }
  }

  private static ObjectNode measures(AnswerMeasures m, boolean excerpt) {
    ObjectNode node = JSON.createObjectNode().put("refused", m.refused());
    for (int i = 0; i < AnswerMeasures.FIGURES.length; i++) {
      if (!Double.isNaN(m.figure(i))) {
        node.put(AnswerMeasures.FIGURES[i], m.figure(i));
      }
    }
    if (excerpt && m.excerpt() != null) {
      node.put("excerpt", m.excerpt());
    }
    return node;
  }

  /**
   * A sampled request will record {@code records} pairs (one per candidate, skipped or not): until
   * it does, this replica has something unreported.
   */
  public synchronized void opened(int records) {
    open += records;
  }

  /**
   * The operator received {@code snapshot} (a {@link #snapshot()} the admin port answered with):
   * every record it counts is reported.
   */
  public void delivered(Object snapshot) {
    if (!(snapshot instanceof ObjectNode node) || !node.has("recorded")) {
      return;
    }
    List<Promise<Void>> done;
    synchronized (this) {
      lastDeliveredAtMs = clockMs.getAsLong();
      delivered = Math.max(delivered, node.path("recorded").asLong());
      if (unreported()) {
        return;
      }
      done = List.copyOf(waiters);
      waiters.clear();
    }
    done.forEach(Promise::tryComplete);
  }

  /**
   * Completes once every sampled request's pairs are recorded and every record is in a report the
   * operator received; at once when nothing is unreported.
   */
  public Future<Void> whenReported() {
    Promise<Void> reported = Promise.promise();
    synchronized (this) {
      if (unreported()) {
        waiters.add(reported);
        return reported.future();
      }
    }
    return Future.succeededFuture();
  }

  /**
   * Until when (gateway clock, ms) an operator is expected to read this replica again: its last
   * delivered read plus {@link #READER_GONE_AFTER_MS}, or, before any read, the replica's start
   * plus as much (a replica younger than one collection may simply not have been read yet: an
   * operator finds a new replica at its next collection). Past it, nobody is reading: a stopping
   * replica waits for no read.
   */
  public synchronized long readerExpectedUntilMs() {
    return (lastDeliveredAtMs == null ? startedAtMs : lastDeliveredAtMs) + READER_GONE_AFTER_MS;
  }

  /** Whether a report ever reached a reader since this replica started. */
  public synchronized boolean everRead() {
    return lastDeliveredAtMs != null;
  }

  /** What a stop now would lose: records not in a delivered report, and records still owed. */
  public synchronized long unreportedRecords() {
    return recorded - delivered + open;
  }

  private boolean unreported() {
    return open > 0 || recorded > delivered;
  }

  /**
   * The admin JSON ({@code GET /admin/evaluations}): every candidate's cumulative sums, and how
   * many records they cover ({@code recorded}, see {@link #delivered}).
   */
  public synchronized ObjectNode snapshot() {
    ObjectNode root = JSON.createObjectNode().put("instance", instance).put("recorded", recorded);
    ArrayNode list = root.putArray("candidates");
    for (Candidate c : candidates.values()) {
      ObjectNode node =
          list.addObject()
              .put("route", c.route)
              .put("evaluation", c.evaluation)
              .put("baselineTarget", c.baselineTarget)
              .put("target", c.target)
              .put("requests", c.requests)
              .put("baselineSkipped", c.baselineSkipped)
              .put("candidateSkipped", c.candidateSkipped)
              .put("baselineFailures", c.baselineFailures)
              .put("candidateFailures", c.candidateFailures)
              .put("baselineAnswered", c.answeredBaseline)
              .put("candidateAnswered", c.answeredCandidate)
              .put("baselineRefusals", c.baselineRefusals)
              .put("candidateRefusals", c.candidateRefusals);
      ObjectNode figures = node.putObject("figures");
      for (int i = 0; i < AnswerMeasures.FIGURES.length; i++) {
        PairedSums s = c.figures[i];
        figures
            .putObject(AnswerMeasures.FIGURES[i])
            .put("n", s.n)
            .put("sumB", s.sumB)
            .put("sumC", s.sumC)
            .put("sumB2", s.sumB2)
            .put("sumC2", s.sumC2)
            .put("sumBc", s.sumBc);
      }
      ArrayNode recent = node.putArray("recentPairs");
      c.recent.forEach(recent::add);
    }
    return root;
  }
}
