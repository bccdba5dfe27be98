package dev.switchboard.gateway.cost;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.TokenUsage;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each provider's models used in the current calendar month (UTC) — tokens, and spend at their
 * own prices — so that prepaid commitments ({@code pricing.commitment} on a model, {@code
 * commitment} on a provider) count as free capacity for the cost-aware strategies until the month's
 * use reaches them.
 *
 * <p>A model's own commitment is drawn on first; what it does not cover (all of a model without
 * one, the part beyond a used-up one) draws on the provider's commitment. The provider's use is
 * therefore computed from its models' totals, never counted apart, so the two cannot disagree.
 *
 * <p>Without a {@link CommitmentStore} the counts are this replica's. With one (the shared Redis),
 * answered requests are added to a local batch; {@link #sync} (every second) sends each provider's
 * batch and reads back the month's shared totals in the same call. Routing reads only memory: the
 * last shared totals plus what this replica added since. A batch the store did not confirm is sent
 * again with the same id (the store counts it once) until it does, and meanwhile still counts here:
 * while the store is down each replica goes on with its own counts on top of the last shared ones,
 * and catches up by itself when it answers again.
 */
public final class CommitmentLedger {

  private static final Logger LOG = LoggerFactory.getLogger(CommitmentLedger.class);

  /** A model's tokens (input plus output) and spend in nano-USD; also a batch's increments. */
  public record Counts(long tokens, long spendNanoUsd) {
    static final Counts ZERO = new Counts(0, 0);

    Counts plus(Counts o) {
      return o == null ? this : new Counts(tokens + o.tokens, spendNanoUsd + o.spendNanoUsd);
    }

    /** Spend in USD. */
    public double spendUsd() {
      return spendNanoUsd / 1e9;
    }
  }

  /** Which commitment covers a model's next request. */
  public enum Cover {
    /** The model's own {@code pricing.commitment}. */
    MODEL("committed"),
    /** The provider's {@code commitment}. */
    ENDPOINT("committed-endpoint");

    private final String label;

    Cover(String label) {
      this.label = label;
    }

    /** How {@code x-switchboard-route-reason} names it ({@code price_window=…}). */
    public String label() {
      return label;
    }
  }

  /** A batch of increments under the id the store counts it by. */
  private record Batch(String id, Map<String, Counts> deltas) {}

  /** One provider's counts in one month. Guarded by itself. */
  private static final class Book {
    final String provider;
    final String month;

    /** The month's shared totals as the store last answered them (empty without a store). */
    Map<String, Counts> shared = Map.of();

    /** A batch sent (or being sent) and not yet confirmed; null when none. */
    Batch pending;

    /** Increments since the pending batch was cut. */
    Map<String, Counts> unsent = new HashMap<>();

    boolean syncing;

    Book(String provider, String month) {
      this.provider = provider;
      this.month = month;
    }

    Counts total(String model) {
      Counts c = shared.getOrDefault(model, Counts.ZERO);
      if (pending != null) {
        c = c.plus(pending.deltas.get(model));
      }
      return c.plus(unsent.get(model));
    }

    Set<String> models() {
      Set<String> all = new HashSet<>(shared.keySet());
      if (pending != null) {
        all.addAll(pending.deltas.keySet());
      }
      all.addAll(unsent.keySet());
      return all;
    }
  }

  private final LongSupplier clockMillis;
  private final Map<String, Book> books = new ConcurrentHashMap<>();
  private final AtomicLong batches = new AtomicLong();
  private volatile CommitmentStore store;
  private volatile String replicaId = "local";

  /** The month of the last lookup and its bounds, so routing does not format dates per request. */
  private volatile MonthSpan month = MonthSpan.of(0);

  /**
   * @param clockMillis the gateway clock (the month is the UTC calendar month of its time)
   */
  public CommitmentLedger(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  /**
   * Counts from now on in {@code store}, shared with every replica that uses it; {@code replicaId}
   * makes this replica's batch ids unique.
   */
  public void shareVia(CommitmentStore store, String replicaId) {
    this.replicaId = replicaId;
    this.store = store;
  }

  /** Whether the counts are shared across replicas. */
  public boolean shared() {
    return store != null;
  }

  /** Counts an answered request of {@code targetId} ({@code provider/model}) at {@code nowMs}. */
  public void record(String targetId, TokenUsage usage, Double costUsd, long nowMs) {
    int slash = targetId == null ? -1 : targetId.indexOf('/');
    if (slash < 0 || usage == null) {
      return;
    }
    record(
        targetId.substring(0, slash),
        targetId.substring(slash + 1),
        new Counts(
            usage.inputTokens() + usage.outputTokens(),
            costUsd == null ? 0 : Math.round(costUsd * 1e9)),
        nowMs);
  }

  private void record(String provider, String model, Counts counts, long nowMs) {
    Book book = books.computeIfAbsent(key(monthOf(nowMs), provider), k -> newBook(k));
    synchronized (book) {
      book.unsent.merge(model, counts, Counts::plus);
    }
  }

  private static Book newBook(String key) {
    int space = key.indexOf(' ');
    return new Book(key.substring(space + 1), key.substring(0, space));
  }

  /** What {@code model} of {@code provider} used in the month of {@code nowMs}. */
  public Counts used(String provider, String model, long nowMs) {
    Book book = books.get(key(monthOf(nowMs), provider));
    if (book == null) {
      return Counts.ZERO;
    }
    synchronized (book) {
      return book.total(model);
    }
  }

  /**
   * What {@code provider}'s own commitment has to cover this month: each model's spend beyond its
   * own commitment (all of it without one), in USD.
   */
  public double endpointUsedUsd(RoutingTable.Provider provider, long nowMs) {
    Book book = books.get(key(monthOf(nowMs), provider.name()));
    if (book == null) {
      return 0;
    }
    long nanos = 0;
    synchronized (book) {
      for (String model : book.models()) {
        RoutingTable.Model declared = provider.models().get(model);
        RoutingTable.Commitment own =
            declared == null || declared.pricing() == null ? null : declared.pricing().commitment();
        nanos += uncoveredNanoUsd(book.total(model), own);
      }
    }
    return nanos / 1e9;
  }

  /** The spend of {@code used} its own {@code commitment} does not cover. */
  static long uncoveredNanoUsd(Counts used, RoutingTable.Commitment commitment) {
    if (commitment == null) {
      return used.spendNanoUsd();
    }
    if (commitment.spendPerMonth() != null) {
      return Math.max(0, used.spendNanoUsd() - Math.round(commitment.spendPerMonth() * 1e9));
    }
    if (commitment.tokensPerMonth() != null) {
      if (used.tokens() <= commitment.tokensPerMonth()) {
        return 0;
      }
      // The tokens beyond the commitment, valued at the model's average price this month.
      return Math.round(
          used.spendNanoUsd()
              * ((double) (used.tokens() - commitment.tokensPerMonth()) / used.tokens()));
    }
    return used.spendNanoUsd();
  }

  /**
   * Which prepaid commitment covers {@code model} of {@code provider} now — its own while it has
   * room, else the provider's while that has room — or null: then its prices apply. Memory only.
   */
  public Cover cover(RoutingTable.Provider provider, String model) {
    long now = clockMillis.getAsLong();
    RoutingTable.Model declared = provider.models().get(model);
    RoutingTable.Commitment own =
        declared == null || declared.pricing() == null ? null : declared.pricing().commitment();
    if (own != null && covers(own, used(provider.name(), model, now))) {
      return Cover.MODEL;
    }
    RoutingTable.Commitment endpoint = provider.commitment();
    if (endpoint != null
        && endpoint.spendPerMonth() != null
        && endpointUsedUsd(provider, now) < endpoint.spendPerMonth()) {
      return Cover.ENDPOINT;
    }
    return null;
  }

  /** Whether a model commitment still has room after {@code used}. */
  public static boolean covers(RoutingTable.Commitment commitment, Counts used) {
    if (commitment.tokensPerMonth() != null) {
      return used.tokens() < commitment.tokensPerMonth();
    }
    if (commitment.spendPerMonth() != null) {
      return used.spendUsd() < commitment.spendPerMonth();
    }
    return false;
  }

  /**
   * Sends each provider's batch to the store and reads back the month's shared totals (one call per
   * provider with a commitment in {@code table}), and forgets counts nobody needs any more: other
   * months' and those of providers without a commitment. Without a store it only forgets. Completes
   * when every call has answered or failed; never fails.
   */
  public Future<Void> sync(RoutingTable table) {
    String now = monthOf(clockMillis.getAsLong());
    Set<String> committed = new HashSet<>();
    table
        .providers()
        .forEach(
            (name, p) -> {
              if (hasCommitment(p)) {
                committed.add(name);
              }
            });
    CommitmentStore shared = store;
    List<Future<Void>> calls = new ArrayList<>();
    for (String provider : committed) {
      books.computeIfAbsent(key(now, provider), CommitmentLedger::newBook);
    }
    for (Map.Entry<String, Book> e : books.entrySet()) {
      Book book = e.getValue();
      boolean wanted = committed.contains(book.provider);
      boolean current = book.month.equals(now);
      if (shared == null || !wanted) {
        if (!wanted || !current) {
          books.remove(e.getKey(), book);
        }
        continue;
      }
      calls.add(send(shared, book, current));
    }
    return Future.join(calls).<Void>mapEmpty().recover(err -> Future.succeededFuture());
  }

  private Future<Void> send(CommitmentStore shared, Book book, boolean current) {
    Batch batch;
    synchronized (book) {
      if (book.syncing) {
        return Future.succeededFuture();
      }
      if (book.pending == null && !book.unsent.isEmpty()) {
        book.pending =
            new Batch(replicaId + ":" + batches.incrementAndGet(), Map.copyOf(book.unsent));
        book.unsent = new HashMap<>();
      }
      batch = book.pending;
      if (batch == null && !current) {
        // A past month with nothing left to send: its totals no longer matter.
        books.remove(key(book.month, book.provider), book);
        return Future.succeededFuture();
      }
      book.syncing = true;
    }
    Future<Map<String, Counts>> call;
    try {
      call =
          shared.addAndRead(
              book.provider,
              book.month,
              batch == null ? replicaId + ":read" : batch.id(),
              batch == null ? Map.of() : batch.deltas());
    } catch (RuntimeException e) {
      call = Future.failedFuture(e);
    }
    return call.transform(
        ar -> {
          synchronized (book) {
            book.syncing = false;
            if (ar.succeeded()) {
              book.shared = Map.copyOf(ar.result());
              if (book.pending == batch) {
                book.pending = null;
              }
            } else if (LOG.isDebugEnabled()) {
              LOG.debug(
                  "committed-use counts of {} not shared this time ({}); counted here meanwhile",
                  book.provider,
                  ar.cause().getClass().getSimpleName());
            }
          }
          return Future.succeededFuture();
        });
  }

  private static boolean hasCommitment(RoutingTable.Provider p) {
    if (p.commitment() != null) {
      return true;
    }
    for (RoutingTable.Model m : p.models().values()) {
      if (m.pricing() != null && m.pricing().commitment() != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Every commitment of {@code table} with its state now: the provider's own first, then its
   * models', each with its size, this month's use (shared when a store is used) and that use
   * projected to the month's end.
   */
  public List<Map<String, Object>> status(RoutingTable table) {
    long now = clockMillis.getAsLong();
    List<Map<String, Object>> out = new ArrayList<>();
    table
        .providers()
        .forEach(
            (name, p) -> {
              if (p.commitment() != null && p.commitment().spendPerMonth() != null) {
                double used = endpointUsedUsd(p, now);
                out.add(row(name, null, false, p.commitment().spendPerMonth(), used, now));
              }
              p.models()
                  .forEach(
                      (id, model) -> {
                        RoutingTable.Commitment c =
                            model.pricing() == null ? null : model.pricing().commitment();
                        if (c == null
                            || (c.tokensPerMonth() == null && c.spendPerMonth() == null)) {
                          return;
                        }
                        Counts used = used(name, id, now);
                        boolean tokens = c.tokensPerMonth() != null;
                        out.add(
                            row(
                                name,
                                id,
                                tokens,
                                tokens ? c.tokensPerMonth() : c.spendPerMonth(),
                                tokens ? used.tokens() : used.spendUsd(),
                                now));
                      });
            });
    return out;
  }

  private Map<String, Object> row(
      String provider, String model, boolean tokens, double size, double used, long now) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("provider", provider);
    if (model != null) {
      r.put("model", model);
      r.put("target", provider + "/" + model);
    }
    r.put("scope", model == null ? "endpoint" : "model");
    r.put("month", monthOf(now));
    r.put("unit", tokens ? "tokens" : "spend");
    r.put("committed", size);
    r.put("used", used);
    r.put("usedFraction", size <= 0 ? 1.0 : used / size);
    r.put("projectedMonthEnd", projectMonthEnd(used, now));
    r.put("exhausted", used >= size);
    r.put("shared", shared());
    return r;
  }

  /** {@code used} so far this month, extrapolated linearly to the month's end. */
  public static double projectMonthEnd(double used, long nowMs) {
    MonthSpan span = MonthSpan.of(nowMs);
    long elapsed = Math.max(60_000, nowMs - span.startMs());
    return used * (double) (span.endMs() - span.startMs()) / elapsed;
  }

  private String monthOf(long nowMs) {
    MonthSpan m = month;
    if (nowMs < m.startMs() || nowMs >= m.endMs()) {
      m = MonthSpan.of(nowMs);
      month = m;
    }
    return m.name();
  }

  private static String key(String month, String provider) {
    return month + " " + provider;
  }

  /** A UTC calendar month: its name ({@code YYYY-MM}) and bounds in epoch milliseconds. */
  private record MonthSpan(String name, long startMs, long endMs) {
    static MonthSpan of(long nowMs) {
      YearMonth ym = YearMonth.from(Instant.ofEpochMilli(nowMs).atOffset(ZoneOffset.UTC));
      return new MonthSpan(
          ym.toString(),
          ym.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(),
          ym.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
    }
  }
}
