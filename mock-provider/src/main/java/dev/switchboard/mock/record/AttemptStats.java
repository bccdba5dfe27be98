package dev.switchboard.mock.record;

import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Thread-safe attempt counters (total, per model, per outcome) and a bounded request log. */
public final class AttemptStats {

  private final LongAdder total = new LongAdder();
  private final LongAdder clientAborts = new LongAdder();
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, LongAdder> byModel = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byOutcome = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> inFlight = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> peakInFlight = new ConcurrentHashMap<>();
  private final Deque<RequestRecord> log = new ArrayDeque<>();
  private final int capacity;

  public AttemptStats(int capacity) {
    this.capacity = capacity;
  }

  /** Counts one attempt and returns its 1-based sequence number. */
  public long count(String model, String outcome) {
    total.increment();
    if (model != null) {
      byModel.computeIfAbsent(model, m -> new LongAdder()).increment();
    }
    byOutcome.computeIfAbsent(outcome, o -> new LongAdder()).increment();
    return sequence.incrementAndGet();
  }

  /**
   * Counts a connection the client closed before the answer was complete (a client timeout or a
   * cancelled stream), so tests can assert that cancellation reaches the provider.
   */
  public void countClientAbort() {
    clientAborts.increment();
  }

  /** Connections closed by the client before the answer was complete. */
  public long clientAborts() {
    return clientAborts.sum();
  }

  /**
   * Counts a request to {@code model} as in flight until {@link #leave} (its answer ended or the
   * connection closed), and raises the model's peak; tests prove concurrency caps with the peak.
   */
  public void enter(String model) {
    long now = inFlight.computeIfAbsent(model, m -> new AtomicLong()).incrementAndGet();
    peakInFlight.computeIfAbsent(model, m -> new AtomicLong()).accumulateAndGet(now, Math::max);
  }

  /** Ends one in-flight request to {@code model} (call once per {@link #enter}). */
  public void leave(String model) {
    AtomicLong n = inFlight.get(model);
    if (n != null) {
      n.decrementAndGet();
    }
  }

  /** Requests to {@code model} being answered right now. */
  public long inFlight(String model) {
    AtomicLong n = inFlight.get(model);
    return n == null ? 0 : n.get();
  }

  /** The most requests to {@code model} that were in flight at once since the last reset. */
  public long peakInFlight(String model) {
    AtomicLong n = peakInFlight.get(model);
    return n == null ? 0 : n.get();
  }

  /** Keeps {@code record}, dropping the oldest beyond the capacity. */
  public void log(RequestRecord record) {
    if (capacity == 0) {
      return;
    }
    synchronized (log) {
      log.addLast(record);
      while (log.size() > capacity) {
        log.removeFirst();
      }
    }
  }

  public long total() {
    return total.sum();
  }

  public long attempts(String model) {
    LongAdder a = byModel.get(model);
    return a == null ? 0 : a.sum();
  }

  public long outcomes(String outcome) {
    LongAdder a = byOutcome.get(outcome);
    return a == null ? 0 : a.sum();
  }

  /** Attempts per model, sorted by model id. */
  public Map<String, Long> attemptsByModel() {
    Map<String, Long> out = new TreeMap<>();
    byModel.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Attempts per outcome label, sorted. */
  public Map<String, Long> attemptsByOutcome() {
    Map<String, Long> out = new TreeMap<>();
    byOutcome.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** The kept requests, oldest first. */
  public List<RequestRecord> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** Clears counters and the log. */
  public void reset() {
    synchronized (log) {
      log.clear();
      total.reset();
      clientAborts.reset();
      sequence.set(0);
      byModel.clear();
      byOutcome.clear();
      // In-flight counts stay (those requests are still running); the peak restarts from them.
      peakInFlight.clear();
      inFlight.forEach((m, n) -> peakInFlight.put(m, new AtomicLong(n.get())));
    }
  }

  /** JSON form used by {@code GET /_mock/stats}. */
  public JsonObject toJson(int lastRequests) {
    JsonObject json =
        new JsonObject()
            .put("total", total())
            .put("clientAborts", clientAborts())
            .put(
                "byModel",
                new JsonObject(new java.util.LinkedHashMap<String, Object>(attemptsByModel())))
            .put(
                "byOutcome",
                new JsonObject(new java.util.LinkedHashMap<String, Object>(attemptsByOutcome())));
    Map<String, Object> current = new TreeMap<>();
    inFlight.forEach((m, n) -> current.put(m, n.get()));
    Map<String, Object> peak = new TreeMap<>();
    peakInFlight.forEach((m, n) -> peak.put(m, n.get()));
    json.put("inFlightByModel", new JsonObject(new java.util.LinkedHashMap<>(current)))
        .put("peakInFlightByModel", new JsonObject(new java.util.LinkedHashMap<>(peak)));
    List<RequestRecord> all = requests();
    int from = Math.max(0, all.size() - Math.max(0, lastRequests));
    json.put(
        "requests",
        new io.vertx.core.json.JsonArray(
            all.subList(from, all.size()).stream().map(RequestRecord::toJson).toList()));
    return json;
  }
}
