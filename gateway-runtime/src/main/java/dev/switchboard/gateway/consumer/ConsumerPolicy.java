package dev.switchboard.gateway.consumer;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.gateway.state.Limit;
import dev.switchboard.gateway.state.Spend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One consumer as a request sees it once its key is known: which models it may call, its rate
 * limits, its budget in nano-USD and its outage policy. Built once per consumer table.
 */
public final class ConsumerPolicy {

  private final String name;
  private final List<Pattern> models;
  private final boolean anyModel;

  /**
   * Verdicts of {@link #mayCall} by (requested, route) name: a handful of model names per consumer
   * are asked for over and over, and a regex match per request showed in the profile. Bounded: once
   * full, further names are matched each time without being remembered.
   */
  private final Map<String, Boolean> verdicts = new ConcurrentHashMap<>();

  private static final int MAX_VERDICTS = 256;
  private final List<Limit> limits;
  private final long dayLimitNanoUsd;
  private final long monthLimitNanoUsd;
  private final boolean denyWithoutStore;
  private final Map<String, String> labels;

  ConsumerPolicy(ConsumerTable.Consumer c) {
    this.name = c.name();
    List<Pattern> globs = new ArrayList<>();
    for (String glob : c.models()) {
      if (glob != null && !glob.isBlank()) {
        globs.add(glob(glob.strip()));
      }
    }
    this.models = List.copyOf(globs);
    this.anyModel = c.models().stream().anyMatch(g -> g != null && g.strip().equals("*"));
    List<Limit> rate = new ArrayList<>();
    for (ConsumerTable.RateLimit r : c.rateLimits()) {
      long rpm = r.requestsPerMinute() == null ? 0 : Math.max(0, r.requestsPerMinute());
      long tpm = r.tokensPerMinute() == null ? 0 : Math.max(0, r.tokensPerMinute());
      if (rpm > 0 || tpm > 0) {
        rate.add(new Limit(rpm, tpm));
      }
    }
    this.limits = List.copyOf(rate);
    ConsumerTable.Budget b = c.budget();
    this.dayLimitNanoUsd = b == null || b.usdPerDay() == null ? -1 : Spend.toNanos(b.usdPerDay());
    this.monthLimitNanoUsd =
        b == null || b.usdPerMonth() == null ? -1 : Spend.toNanos(b.usdPerMonth());
    this.denyWithoutStore = c.deniesWithoutStore();
    this.labels = c.labels();
  }

  /** {@code *} matches any run of characters, {@code ?} one; everything else literally. */
  static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char ch : glob.toCharArray()) {
      switch (ch) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(ch)));
      }
    }
    return Pattern.compile(regex.toString());
  }

  public String name() {
    return name;
  }

  /** Whether the consumer may call a model by any of these names (requested name, route name). */
  public boolean mayCall(String requested, String route) {
    if (models.isEmpty() || anyModel) {
      return true;
    }
    String key = requested + "\n" + route;
    Boolean known = verdicts.get(key);
    if (known != null) {
      return known;
    }
    boolean verdict = matches(requested, route);
    if (verdicts.size() < MAX_VERDICTS) {
      verdicts.put(key, verdict);
    }
    return verdict;
  }

  private boolean matches(String requested, String route) {
    for (Pattern p : models) {
      if (requested != null && p.matcher(requested).matches()
          || route != null && p.matcher(route).matches()) {
        return true;
      }
    }
    return false;
  }

  public List<Limit> limits() {
    return limits;
  }

  /** The daily budget in nano-USD, -1 for none. */
  public long dayLimitNanoUsd() {
    return dayLimitNanoUsd;
  }

  /** The monthly budget in nano-USD, -1 for none. */
  public long monthLimitNanoUsd() {
    return monthLimitNanoUsd;
  }

  public boolean hasBudget() {
    return dayLimitNanoUsd >= 0 || monthLimitNanoUsd >= 0;
  }

  /** Whether anything about this consumer needs counting (limits or a budget). */
  public boolean counted() {
    return !limits.isEmpty() || hasBudget();
  }

  /** Whether its requests are refused while the shared store is down (else counted locally). */
  public boolean denyWithoutStore() {
    return denyWithoutStore;
  }

  public Map<String, String> labels() {
    return labels;
  }

  @Override
  public String toString() {
    return "consumer " + name;
  }
}
