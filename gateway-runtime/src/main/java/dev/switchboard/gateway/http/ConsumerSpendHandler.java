package dev.switchboard.gateway.http;

import dev.switchboard.gateway.consumer.ConsumerAccess;
import dev.switchboard.gateway.consumer.ConsumerLimiter;
import dev.switchboard.gateway.consumer.ConsumerPolicy;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.util.ArrayList;
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

  private static final long DAY_MS = 86_400_000L;

  private final ConsumerAccess access;
  private final ConsumerLimiter limiter;
  private final GatewayClock clock;

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
    String day = LocalDate.ofEpochDay(Math.floorDiv(clock.currentTimeMillis(), DAY_MS)).toString();
    String month = day.substring(0, 7);
    List<ConsumerPolicy> consumers = access.directory().consumers();
    List<Future<Map<String, Object>>> rows = new ArrayList<>();
    for (ConsumerPolicy consumer : consumers) {
      if (!consumer.counted()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", consumer.name());
        row.put("tracked", false);
        rows.add(Future.succeededFuture(row));
        continue;
      }
      rows.add(
          limiter
              .store()
              .spend(consumer.name(), day, month)
              .map(
                  spend -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("name", consumer.name());
                    row.put("tracked", true);
                    row.put("todayUsd", Spend.toUsd(spend.dayNanoUsd()));
                    row.put("monthUsd", Spend.toUsd(spend.monthNanoUsd()));
                    return row;
                  }));
    }
    Future.all(rows)
        .onSuccess(
            all -> {
              Map<String, Object> doc = new LinkedHashMap<>();
              doc.put("day", day);
              doc.put("month", month);
              doc.put("shared", limiter.shared());
              doc.put("consumers", all.<Map<String, Object>>list());
              InfoHandlers.sendJson(rc, 200, doc);
            })
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
}
