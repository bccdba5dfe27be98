package dev.switchboard.gateway.http;

import dev.switchboard.gateway.consumer.BudgetPeriod;
import dev.switchboard.gateway.consumer.ConsumerAccess;
import dev.switchboard.gateway.consumer.ConsumerLimiter;
import dev.switchboard.gateway.consumer.ConsumerPolicy;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /admin/consumers} on the admin port: what each consumer has spent today and this month
 * (UTC), as this replica's state store counts it. The operator reads it into {@code
 * Consumer.status.spend}. With a shared store ({@code "shared": true}) every replica reports the
 * same shared total; without one each replica reports only what it served. Names and figures only:
 * never a key or a key hash.
 */
public final class ConsumerSpendHandler {

  private final ConsumerAccess access;
  private final ConsumerLimiter limiter;
  private final GatewayClock clock;
  private final BudgetPeriod.Days periods = new BudgetPeriod.Days();

  public ConsumerSpendHandler(ConsumerAccess access, ConsumerLimiter limiter, GatewayClock clock) {
    this.access = access;
    this.limiter = limiter;
    this.clock = clock;
  }

  /**
   * Answers the report; consumers without a budget or rate limit are not counted ({@code tracked:
   * false}).
   */
  public void handle(RoutingContext rc) {
    // The period admission counts in (ConsumerStage), from the same helper: never another day.
    BudgetPeriod period = periods.at(clock.currentTimeMillis());
    String day = period.day();
    String month = period.month();
    List<ConsumerPolicy> consumers = access.directory().consumers();
    List<String> counted = new ArrayList<>();
    for (ConsumerPolicy consumer : consumers) {
      if (consumer.counted()) {
        counted.add(consumer.name());
      }
    }
    // One read of every consumer's spend (a few Redis round trips, not one per consumer); the
    // document, a row per consumer, is built and serialised on a worker.
    limiter
        .store()
        .spends(counted, day, month)
        .onSuccess(
            spends ->
                InfoHandlers.sendJsonOnWorker(
                    rc, () -> document(day, month, consumers, spends.iterator())))
        .onFailure(
            err ->
                InfoHandlers.sendError(
                    rc,
                    new OpenAiError(
                        503,
                        "The state store did not answer.",
                        "service_unavailable",
                        null,
                        "state_store_unavailable",
                        "store_unavailable")));
  }

  /** The report; {@code spends} holds the counted consumers' spends in their order. */
  private Map<String, Object> document(
      String day, String month, List<ConsumerPolicy> consumers, Iterator<Spend> spends) {
    List<Map<String, Object>> rows = new ArrayList<>(consumers.size());
    for (ConsumerPolicy consumer : consumers) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", consumer.name());
      row.put("tracked", consumer.counted());
      if (consumer.counted()) {
        Spend spend = spends.next();
        row.put("todayUsd", Spend.toUsd(spend.dayNanoUsd()));
        row.put("monthUsd", Spend.toUsd(spend.monthNanoUsd()));
      }
      rows.add(row);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("day", day);
    doc.put("month", month);
    doc.put("shared", limiter.shared());
    doc.put("consumers", rows);
    return doc;
  }
}
