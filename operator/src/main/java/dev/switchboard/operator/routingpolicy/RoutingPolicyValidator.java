package dev.switchboard.operator.routingpolicy;

import dev.switchboard.api.v1alpha1.Backoff;
import dev.switchboard.api.v1alpha1.CacheSpec;
import dev.switchboard.api.v1alpha1.CircuitBreakerSpec;
import dev.switchboard.api.v1alpha1.Embedder;
import dev.switchboard.api.v1alpha1.RateLimit;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.api.v1alpha1.ScheduleWindow;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.contract.Strategy;
import dev.switchboard.contract.TimeWindow;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Semantic checks of a RoutingPolicy that the schema cannot make: known strategies, parsable
 * durations, schedule windows with a strategy and real days, times and time zones, rate-limit keys,
 * an exploration share in 0..1, a known {@code lifecycle.onRetired} and a semantic cache's {@code
 * embedder.maxInputTokens} in range and only with {@code providerRef}: everything the gateway's
 * table validator would refuse the namespace's table for.
 */
public final class RoutingPolicyValidator {

  private static final Set<String> DAYS = Set.of("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun");

  /** Every problem with the policy; empty when it can be rendered. */
  public List<Problem> validate(RoutingPolicy policy) {
    List<Problem> problems = new ArrayList<>();
    RoutingPolicySpec spec = policy.getSpec();
    if (spec == null) {
      problems.add(new Problem(Reason.INVALID_SPEC, "spec is missing"));
      return problems;
    }
    checkStrategy("spec.strategy", spec.getStrategy(), problems);
    if (spec.getLatencyObjective() != null) {
      duration("spec.latencyObjective.ttftP95", spec.getLatencyObjective().getTtftP95(), problems);
    }
    if (spec.getSchedule() != null) {
      List<TimeWindow> compiled = new ArrayList<>();
      for (ScheduleWindow window : spec.getSchedule()) {
        int before = problems.size();
        checkWindow(window, problems);
        try {
          compiled.add(
              TimeWindow.of(
                  window.getName(),
                  window.getDays(),
                  window.getFrom(),
                  window.getTo(),
                  window.getTimeZone()));
        } catch (IllegalArgumentException e) {
          // Reported by checkWindow in its own words when it can; else (from equal to to, say)
          // in the gateway's, which would refuse the table for it.
          if (problems.size() == before) {
            problems.add(
                new Problem(
                    Reason.INVALID_SCHEDULE,
                    "schedule window '" + window.getName() + "': " + e.getMessage()));
          }
        }
      }
      // Overlapping windows would leave the strategy to the windows' order: rejected, named.
      List<String> overlaps = RoutingTableValidator.overlappingPairs(compiled);
      if (!overlaps.isEmpty()) {
        problems.add(
            new Problem(
                Reason.INVALID_SCHEDULE,
                "spec.schedule windows overlap: " + String.join(", ", overlaps)));
      }
    }
    if (spec.getRetry() != null && spec.getRetry().getMaxRetryAfter() != null) {
      maxRetryAfter(spec.getRetry().getMaxRetryAfter(), problems);
    }
    if (spec.getRetry() != null && spec.getRetry().getBackoff() != null) {
      Backoff backoff = spec.getRetry().getBackoff();
      duration("spec.retry.backoff.initial", backoff.getInitial(), problems);
      duration("spec.retry.backoff.max", backoff.getMax(), problems);
    }
    CircuitBreakerSpec breaker = spec.getCircuitBreaker();
    if (breaker != null) {
      duration("spec.circuitBreaker.slowCallThreshold", breaker.getSlowCallThreshold(), problems);
      duration("spec.circuitBreaker.window", breaker.getWindow(), problems);
      duration("spec.circuitBreaker.openFor", breaker.getOpenFor(), problems);
    }
    if (spec.getRateLimits() != null) {
      for (RateLimit limit : spec.getRateLimits()) {
        String key = limit.getKey();
        boolean known =
            "api-key".equals(key)
                || "route".equals(key)
                || (key != null && key.startsWith("header:") && key.length() > 7);
        if (!known) {
          problems.add(
              new Problem(
                  Reason.INVALID_RATE_LIMIT_KEY,
                  "rate limit key '" + key + "' must be api-key, route or header:<name>"));
        }
      }
    }
    // As the CRD schema says, for API servers (and the local stack) that do not enforce it: the
    // gateway refuses a table holding such a policy, which would hold back the whole namespace.
    if (spec.getExploration() != null) {
      Double share = spec.getExploration().getShare();
      if (share != null && !(share >= 0 && share <= 1)) {
        problems.add(
            new Problem(
                Reason.INVALID_SPEC, "spec.exploration.share " + share + " is outside 0..1"));
      }
    }
    String onRetired = spec.getLifecycle() == null ? null : spec.getLifecycle().getOnRetired();
    if (onRetired != null
        && !RoutingTable.Policy.ON_RETIRED_SUCCESSOR.equals(onRetired)
        && !RoutingTable.Policy.ON_RETIRED_REJECT.equals(onRetired)) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              "spec.lifecycle.onRetired '"
                  + onRetired
                  + "' is not "
                  + RoutingTable.Policy.ON_RETIRED_SUCCESSOR
                  + " or "
                  + RoutingTable.Policy.ON_RETIRED_REJECT));
    }
    CacheSpec cache = spec.getCache();
    if (cache != null) {
      if (cache.getExact() != null) {
        duration("spec.cache.exact.ttl", cache.getExact().getTtl(), problems);
      }
      if (cache.getSemantic() != null) {
        duration("spec.cache.semantic.ttl", cache.getSemantic().getTtl(), problems);
        embedderMaxInputTokens(cache.getSemantic().getEmbedder(), problems);
      }
    }
    return problems;
  }

  private static void checkWindow(ScheduleWindow window, List<Problem> problems) {
    String where = "schedule window '" + window.getName() + "'";
    if (window.getStrategy() == null) {
      // The window exists to switch the strategy: without one the gateway refuses the table.
      problems.add(new Problem(Reason.UNKNOWN_STRATEGY, where + " needs a strategy"));
    }
    checkStrategy(where + " strategy", window.getStrategy(), problems);
    if (window.getDays() != null) {
      for (String day : window.getDays()) {
        if (!DAYS.contains(day)) {
          problems.add(
              new Problem(
                  Reason.INVALID_SCHEDULE, where + ": day '" + day + "' is not one of Mon..Sun"));
        }
      }
    }
    for (String time : new String[] {window.getFrom(), window.getTo()}) {
      // 24:00 ends a window with the day (its only place: the CRD pattern keeps it out of from).
      if (time == null || (time.equals("24:00") && time == window.getTo())) {
        continue;
      }
      try {
        LocalTime.parse(time);
      } catch (DateTimeParseException e) {
        problems.add(
            new Problem(
                Reason.INVALID_SCHEDULE, where + ": '" + time + "' is not a time like 22:00"));
      }
    }
    if (window.getTimeZone() != null) {
      try {
        ZoneId.of(window.getTimeZone());
      } catch (DateTimeException e) {
        problems.add(
            new Problem(
                Reason.INVALID_SCHEDULE,
                where
                    + ": time zone '"
                    + window.getTimeZone()
                    + "' is unknown (use an IANA name such as Europe/Berlin)"));
      }
    }
  }

  private static void checkStrategy(String field, String strategy, List<Problem> problems) {
    if (strategy != null && Strategy.fromWire(strategy).isEmpty()) {
      problems.add(
          new Problem(
              Reason.UNKNOWN_STRATEGY,
              field
                  + " '"
                  + strategy
                  + "' is not one of "
                  + new java.util.TreeSet<>(Strategy.wireNames())));
    }
  }

  /**
   * As the CRD schema (1–131072) and its CEL rule (only with providerRef) say, for API servers (and
   * the local stack) that do not enforce them: the gateway would ignore such a limit and send the
   * provider's kind's bound, not what the user asked for.
   */
  private static void embedderMaxInputTokens(Embedder embedder, List<Problem> problems) {
    Integer tokens = embedder == null ? null : embedder.getMaxInputTokens();
    if (tokens == null) {
      return;
    }
    String field = "spec.cache.semantic.embedder.maxInputTokens";
    if (embedder.getProviderRef() == null) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              field + " is only for a providerRef embedder (the builtin model's limit is known)"));
    } else if (tokens < 1 || tokens > RoutingTable.Cache.MAX_EMBEDDER_INPUT_TOKENS) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              field
                  + " "
                  + tokens
                  + " is outside 1.."
                  + RoutingTable.Cache.MAX_EMBEDDER_INPUT_TOKENS));
    }
  }

  /** As the CRD's CEL rule says, for API servers (and the local stack) that do not run it. */
  private static void maxRetryAfter(String text, List<Problem> problems) {
    long ms;
    try {
      ms = Durations.toMillis(text);
    } catch (IllegalArgumentException e) {
      problems.add(
          new Problem(Reason.INVALID_DURATION, "spec.retry.maxRetryAfter: " + e.getMessage()));
      return;
    }
    if (ms < 1_000 || ms > 3_600_000) {
      problems.add(
          new Problem(
              Reason.INVALID_DURATION,
              "spec.retry.maxRetryAfter: " + text + " is not between 1s and 1h"));
    }
  }

  private static void duration(String field, String text, List<Problem> problems) {
    if (text == null) {
      return;
    }
    try {
      Durations.toMillis(text);
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(Reason.INVALID_DURATION, field + ": " + e.getMessage()));
    }
  }
}
