package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.consumer.BudgetPeriod;
import dev.switchboard.gateway.consumer.ConsumerLimiter;
import dev.switchboard.gateway.consumer.ConsumerMetrics;
import dev.switchboard.gateway.consumer.ConsumerPolicy;
import dev.switchboard.gateway.consumer.CostCeiling;
import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenEstimate;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.state.Admission;
import dev.switchboard.gateway.state.AdmitCall;
import dev.switchboard.gateway.state.RedisGuard;
import dev.switchboard.gateway.state.SettleCall;
import dev.switchboard.gateway.state.Spend;
import dev.switchboard.gateway.state.StoreUnavailableException;
import dev.switchboard.gateway.time.GatewayClock;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * What a consumer may do: the model it asks for (403 when none of its globs match), its rate limits
 * (429 {@code rate_limit_exceeded} with {@code Retry-After}) and its budget (429 {@code
 * insufficient_quota} with {@code x-should-retry: false}). Before the upstream call the request's
 * maximum cost ({@link CostCeiling}) is reserved against the day and the month; on the way back the
 * reservation is replaced by the real cost and the tokens are charged, so concurrent requests never
 * spend past the budget. With a shared store this is one round trip to Redis (asynchronous);
 * without one it is counted in memory.
 */
public final class ConsumerStage implements Stage {

  /**
   * What a request holds between admission and settlement; {@code requestBytes} is what the prompt
   * of an answer without usage is estimated from.
   */
  private record Pending(
      AdmitCall call, Future<ConsumerLimiter.Ticket> ticket, long requestBytes) {}

  /**
   * Reservation ids, unique in this process. Not the request id: that is the client's {@code
   * x-request-id} when it sends one, and a second request under the id of one still open would pass
   * as the same admission (the stores admit an id once), neither limited nor charged.
   */
  private static final AtomicLong RESERVATIONS = new AtomicLong();

  private final ConsumerLimiter limiter;
  private final ConsumerMetrics metrics;
  private final GatewayClock clock;
  private final BudgetPeriod.Days periods = new BudgetPeriod.Days();

  public ConsumerStage(ConsumerLimiter limiter, ConsumerMetrics metrics, GatewayClock clock) {
    this.limiter = limiter;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public boolean forward(Exchange exchange) {
    Caller caller = exchange.caller();
    ConsumerPolicy consumer = caller == null ? null : caller.consumer();
    if (consumer == null) {
      return true;
    }
    ResolvedRoute route = exchange.ctx().route();
    String requested = exchange.frontDoor().model(exchange.body());
    if (!consumer.mayCall(requested, route.name())) {
      metrics.request(consumer, "forbidden");
      throw new ApiException(
          new OpenAiError(
              403,
              "Consumer '"
                  + consumer.name()
                  + "' is not allowed to use the model '"
                  + requested
                  + "'.",
              "invalid_request_error",
              "model",
              "model_not_allowed",
              "forbidden"));
    }
    if (!consumer.counted()) {
      countOnceRouteLimitDecided(exchange, consumer);
      return true;
    }
    long now = clock.currentTimeMillis();
    BudgetPeriod today = periods.at(now);
    long reserve =
        consumer.hasBudget()
            ? CostCeiling.nanoUsd(
                route, exchange.body(), exchange.rawBodyLength(), exchange.ctx().operation())
            : 0;
    AdmitCall call =
        new AdmitCall(
            consumer.name(),
            Long.toString(RESERVATIONS.incrementAndGet()),
            consumer.limits(),
            now,
            reserve,
            today.day(),
            today.month(),
            consumer.dayLimitNanoUsd(),
            consumer.monthLimitNanoUsd());
    Future<ConsumerLimiter.Ticket> ticket = limiter.admit(consumer, call);
    caller.consumerTicket(new Pending(call, ticket, exchange.rawBodyLength()));
    if (ticket.isComplete()) {
      decide(exchange, consumer, ticket);
      return true;
    }
    // A request whose client left meanwhile is not decided: its way back settles the reservation.
    exchange.resumeWhen(ticket, t -> decide(exchange, consumer, t));
    return false;
  }

  /** Returns when admitted; throws the client's error otherwise. */
  private void decide(
      Exchange exchange, ConsumerPolicy consumer, Future<ConsumerLimiter.Ticket> ticket) {
    OpenAiError refused = refusal(consumer, ticket, exchange.response()::putHeader);
    if (refused != null) {
      throw new ApiException(refused);
    }
    countOnceRouteLimitDecided(exchange, consumer);
  }

  /** An admission of a call that bills nothing ({@link #admitUnbilled}), to settle when it ends. */
  public record Unbilled(AdmitCall call, ConsumerLimiter.Ticket ticket) {}

  /**
   * Admits a call of {@code consumer} that bills nothing (a stored-response call: {@code GET
   * /v1/responses/{id}} and the others): its rate limits apply as to any request (one request
   * taken, no token charged; refused while a token bucket is negative), its budget does not, as
   * nothing is reserved or spent. Completes with what {@link #settleUnbilled} takes (null for a
   * consumer without rate limits), or fails with the {@link ApiException} the client gets (429
   * {@code rate_limit_exceeded}; 503 {@code state_store_unavailable} under {@code deny}), its
   * {@code Retry-After} given to {@code header}.
   */
  public Future<Unbilled> admitUnbilled(
      ConsumerPolicy consumer, BiConsumer<String, String> header) {
    if (consumer.limits().isEmpty()) {
      metrics.request(consumer, "admitted");
      return Future.succeededFuture();
    }
    long now = clock.currentTimeMillis();
    BudgetPeriod today = periods.at(now);
    AdmitCall call =
        new AdmitCall(
            consumer.name(),
            Long.toString(RESERVATIONS.incrementAndGet()),
            consumer.limits(),
            now,
            0,
            today.day(),
            today.month(),
            -1,
            -1);
    Future<ConsumerLimiter.Ticket> admitted = limiter.admit(consumer, call);
    return admitted.transform(
        ar -> {
          OpenAiError refused = refusal(consumer, admitted, header);
          if (refused != null) {
            return Future.failedFuture(new ApiException(refused));
          }
          metrics.request(consumer, "admitted");
          return Future.succeededFuture(new Unbilled(call, ar.result()));
        });
  }

  /** Settles a call {@link #admitUnbilled} admitted: its request stays taken, nothing is spent. */
  public void settleUnbilled(Unbilled admitted) {
    if (admitted != null) {
      limiter.settle(
          admitted.ticket(), SettleCall.of(admitted.call(), clock.currentTimeMillis(), 0, 0));
    }
  }

  /**
   * The client's error for a consumer admission that did not admit (counted in the consumer
   * metrics), its {@code Retry-After} (and {@code retry-after-ms}) or {@code x-should-retry} given
   * to {@code header}; null when it admitted.
   */
  private OpenAiError refusal(
      ConsumerPolicy consumer,
      Future<ConsumerLimiter.Ticket> ticket,
      BiConsumer<String, String> header) {
    if (ticket.failed()) {
      if (ticket.cause() instanceof StoreUnavailableException) {
        metrics.request(consumer, "store_unavailable");
        // The store is left alone this long after a failure; the first request after it tries it
        // again (RedisGuard), so that is the wait to name — to the millisecond, as on every other
        // refusal of the gateway's own.
        Exchange.retryHint(header, RedisGuard.RETRY_AFTER_MS);
        return new OpenAiError(
            503,
            "The gateway cannot check this consumer's limits right now (its shared state store"
                + " is unavailable). Please try again shortly.",
            "service_unavailable",
            null,
            "state_store_unavailable",
            "store_unavailable");
      }
      throw new IllegalStateException("consumer admission failed", ticket.cause());
    }
    Admission admission = ticket.result().admission();
    switch (admission.verdict()) {
      case ADMITTED -> {
        return null;
      }
      case RATE_LIMITED -> {
        metrics.request(consumer, "rate_limited");
        long seconds = Math.max(1, (admission.retryAfterMs() + 999) / 1000);
        // The bucket's own wait to the millisecond: a bucket with room again in 120 ms must not
        // cost an SDK a whole second.
        Exchange.retryHint(header, admission.retryAfterMs());
        boolean tokens = "tokens".equals(admission.dimension());
        return new OpenAiError(
            429,
            "Rate limit reached for consumer '"
                + consumer.name()
                + "' on "
                + (tokens ? "tokens per min (TPM)" : "requests per min (RPM)")
                + ". Please try again in "
                + seconds
                + "s.",
            admission.dimension(),
            null,
            "rate_limit_exceeded",
            "rate_limited");
      }
      default -> {
        metrics.request(consumer, "budget_exhausted");
        // A spent budget stays spent until the day (or month) turns: OpenAI's and Anthropic's SDKs
        // retry every 429 twice unless told not to, and this header is how they are told.
        header.accept("x-should-retry", "false");
        return new OpenAiError(
            429,
            "Consumer '"
                + consumer.name()
                + "' has used up its "
                + ("month".equals(admission.dimension()) ? "monthly" : "daily")
                + " budget (or this request could cost more than what is left of it).",
            "insufficient_quota",
            null,
            "insufficient_quota",
            "budget_exhausted");
      }
    }
  }

  /**
   * Counts the consumer's admitted request once the route's own client rate limit (checked next)
   * decided, so {@code switchboard_consumer_requests_total} says what happened to it: {@code
   * admitted}, or {@code route_rate_limited} / {@code route_limit_error} when the route refused it
   * or its check failed (nothing served, the request given back: see {@link #backward}).
   */
  private void countOnceRouteLimitDecided(Exchange exchange, ConsumerPolicy consumer) {
    exchange.onRouteLimit(verdict -> metrics.request(consumer, outcome(verdict)));
  }

  /** The consumer metric's outcome of an admitted request the route limits judged {@code v}. */
  static String outcome(Exchange.RouteLimit v) {
    if (v == null) {
      return "admitted"; // the request ended before the route limits were asked
    }
    return switch (v) {
      case PASSED -> "admitted";
      case REFUSED -> "route_rate_limited";
      case FAILED -> "route_limit_error";
    };
  }

  @Override
  public void backward(Exchange exchange) {
    exchange.routeLimitUndecided(); // an admission still uncounted is counted now
    Caller caller = exchange.caller();
    if (caller == null || !(caller.consumerTicket() instanceof Pending pending)) {
      return;
    }
    caller.consumerTicket(null);
    RequestContext ctx = exchange.ctx();
    ConsumerPolicy consumer = caller.consumer();
    // Here, not when the admission's future calls back: AccountStage, walked back after this
    // stage, logs and counts what the request was charged.
    long estimateNanoUsd = chargeEstimate(pending, ctx);
    pending
        .ticket()
        .onSuccess(
            ticket -> {
              if (!ticket.admission().admitted()) {
                return;
              }
              if (exchange.routeLimit() == Exchange.RouteLimit.REFUSED
                  || exchange.routeLimit() == Exchange.RouteLimit.FAILED) {
                // Refused by the route's own rate limit after this admission, or its check failed:
                // nothing was served, so the consumer's request is given back and its reservation
                // released.
                limiter.settle(
                    ticket, SettleCall.unserved(pending.call(), clock.currentTimeMillis()));
                return;
              }
              TokenUsage usage = ctx.usage();
              long nowMs = clock.currentTimeMillis();
              // At the prices in force now, as the request's cost_usd (its price window applies).
              Instant at = Instant.ofEpochMilli(nowMs);
              long cost;
              long tokens = 0;
              if (usage != null) {
                Double usd = Pricing.costUsd(ctx.target(), usage, at);
                cost = usd == null ? 0 : Spend.toNanos(usd);
                tokens = usage.inputTokens() + usage.outputTokens();
              } else if (ctx.estimatedUsage() != null) {
                // Answered without usage: settle the estimate charged on the way back and release
                // the rest of the reservation.
                cost = estimateNanoUsd;
                tokens = ctx.estimatedUsage().inputTokens() + ctx.estimatedUsage().outputTokens();
              } else {
                // Never answered, or served from the cache: everything reserved is released.
                cost = 0;
              }
              metrics.spend(consumer, Spend.toUsd(cost), tokens);
              limiter.settle(ticket, SettleCall.of(pending.call(), nowMs, cost, tokens));
            });
  }

  /**
   * Charges an answer that came without usage ({@link AccountStage#answeredWithoutUsage}: a whole
   * answer from a provider that reports none, a stream cut short or whose client left) its {@link
   * TokenEstimate#usage estimate}, never more than was reserved for a budget, and records both on
   * {@code ctx} for the request log and the cost metric.
   *
   * @return the nano-USD charged, 0 when the answer had usage (or none came)
   */
  private long chargeEstimate(Pending pending, RequestContext ctx) {
    if (!AccountStage.answeredWithoutUsage(ctx)) {
      return 0;
    }
    TokenUsage estimate = TokenEstimate.usage(pending.requestBytes(), ctx.answerChars());
    // At the prices in force now, as a reported usage's cost_usd (its price window applies).
    Double usd =
        Pricing.costUsd(ctx.target(), estimate, Instant.ofEpochMilli(clock.currentTimeMillis()));
    long reserved = pending.call().reserveNanoUsd();
    long nanos = usd == null ? 0 : Spend.toNanos(usd);
    long charged = reserved > 0 ? Math.min(reserved, nanos) : nanos;
    ctx.chargedEstimate(estimate, usd == null ? null : Spend.toUsd(charged));
    return charged;
  }
}
