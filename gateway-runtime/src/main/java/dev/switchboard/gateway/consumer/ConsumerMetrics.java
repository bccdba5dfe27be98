package dev.switchboard.gateway.consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.noop.NoopCounter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-consumer metrics, tagged with the consumer's name and its labels ({@code label_<key>}).
 * Prometheus wants one tag set per metric name, so every series carries the union of the label keys
 * of the current consumers (empty where a consumer has no such label); when that union changes the
 * series are registered afresh. Never a key, not even a hash of one.
 *
 * <p>The series follow the consumer table as the route series follow the routing table: a new
 * directory removes the series of consumers it no longer has, and those of label values a consumer
 * no longer has (relabelled, its requests count under the new values from zero). Otherwise every
 * consumer a table ever named, with every label value it ever had, would stay on {@code /metrics}
 * for the replica's life. A request admitted under the previous directory that finishes afterwards
 * registers its series again; the next directory removes them.
 *
 * <pre>
 * switchboard_consumer_requests_total{consumer, outcome, label_*}
 *     outcome: admitted | forbidden | rate_limited | budget_exhausted | store_unavailable
 *              | route_rate_limited | route_limit_error   (admitted by the consumer's limits, then
 *                refused by the route's own client rate limit, or its check failed: not served)
 * switchboard_consumer_spend_usd_total{consumer, label_*}   real cost of settled requests
 * switchboard_consumer_tokens_total{consumer, label_*}
 * switchboard_consumer_unauthenticated_total{reason}       reason: missing | unknown
 * </pre>
 */
public final class ConsumerMetrics {

  /** Who a consumer series belongs to: the consumer's name and its label tag values, in order. */
  private record Owner(String consumer, List<String> labelValues) {}

  /** One consumer series: the metric, the outcome (null for the counters without one), whose. */
  private record SeriesKey(String metric, String outcome, Owner owner) {}

  private final MeterRegistry registry;
  private final Map<String, Counter> unauthenticated = new ConcurrentHashMap<>();
  private final Map<SeriesKey, Counter> counters = new ConcurrentHashMap<>();

  /**
   * The same counters by consumer (the directory's object: a new directory makes new ones, so a
   * consumer whose label values changed gets series with the new values), then by outcome (or by
   * metric name for the counters without one: the outcomes and those names never coincide).
   */
  private final Map<ConsumerPolicy, Map<String, Counter>> byConsumer = new ConcurrentHashMap<>();

  private volatile List<String> labelKeys = List.of();

  /** While the series are removed for a new set of label keys. */
  private volatile boolean relabelling;

  /** What a request counts into while the series are being replaced: nothing. */
  private static final Counter UNCOUNTED =
      new NoopCounter(
          new Meter.Id(
              "switchboard_consumer_uncounted", Tags.empty(), null, null, Meter.Type.COUNTER));

  public ConsumerMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Follows a new directory ({@link #follow(Collection, Set)} with its consumers and label keys).
   */
  public void follow(ConsumerDirectory directory) {
    follow(directory.consumers(), directory.labelKeys());
  }

  /**
   * Follows a new directory of {@code consumers}: forgets the previous directory's consumers,
   * re-registers every series when the union of label keys changed, and otherwise removes the
   * series of consumers no longer there and of label values a consumer no longer has. A removed
   * counter that comes back (the consumer back in a table) starts from zero.
   */
  public void follow(Collection<ConsumerPolicy> consumers, Set<String> keys) {
    List<String> sorted = List.copyOf(new TreeSet<>(keys));
    if (!sorted.equals(labelKeys)) {
      relabel(sorted);
      return;
    }
    byConsumer.clear();
    Set<Owner> live = new HashSet<>();
    for (ConsumerPolicy consumer : consumers) {
      live.add(owner(consumer, sorted));
    }
    Map<SeriesKey, Counter> gone = new HashMap<>();
    synchronized (this) {
      counters
          .entrySet()
          .removeIf(
              e -> {
                if (live.contains(e.getKey().owner())) {
                  return false;
                }
                gone.put(e.getKey(), e.getValue());
                return true;
              });
    }
    // Out of the monitor: removing many series (a table losing thousands of consumers) must not
    // keep the requests that register a series waiting meanwhile.
    gone.values().forEach(registry::remove);
    synchronized (this) {
      // A request of the previous directory that came for one of them before it left the registry
      // got the meter being removed: forget it, so that the next one registers a live series.
      gone.forEach((key, meter) -> counters.remove(key, meter));
    }
  }

  /** Removes every consumer series: the union of label keys changed. */
  private void relabel(List<String> sorted) {
    // Removing every consumer series (tens of thousands at 10,000 consumers) holds this monitor
    // for a long time: requests that would wait on it count nothing meanwhile instead (a
    // relabelling starts every series afresh anyway).
    relabelling = true;
    try {
      synchronized (this) {
        byConsumer.clear();
        counters.values().forEach(registry::remove);
        counters.clear();
        labelKeys = sorted;
      }
    } finally {
      relabelling = false;
    }
  }

  public void request(ConsumerPolicy consumer, String outcome) {
    counter("switchboard_consumer_requests", consumer, outcome).increment();
  }

  public void spend(ConsumerPolicy consumer, double usd, long tokens) {
    if (usd > 0) {
      counter("switchboard_consumer_spend_usd", consumer, null).increment(usd);
    }
    if (tokens > 0) {
      counter("switchboard_consumer_tokens", consumer, null).increment(tokens);
    }
  }

  public void unauthenticated(String reason) {
    unauthenticated
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("switchboard_consumer_unauthenticated")
                    .description("API requests refused for a missing or unknown consumer key")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  private Counter counter(String name, ConsumerPolicy consumer, String outcome) {
    // Found without building a key: every request passes here three times.
    Map<String, Counter> ofConsumer = byConsumer.get(consumer);
    Counter c = ofConsumer == null ? null : ofConsumer.get(outcome == null ? name : outcome);
    if (c != null) {
      return c;
    }
    if (relabelling) {
      return UNCOUNTED;
    }
    synchronized (this) {
      // The label values are part of the series: a consumer relabelled gets new ones.
      List<String> keys = labelKeys;
      c =
          counters.computeIfAbsent(
              new SeriesKey(name, outcome, owner(consumer, keys)),
              k -> {
                List<Tag> tags = new ArrayList<>();
                tags.add(Tag.of("consumer", consumer.name()));
                if (outcome != null) {
                  tags.add(Tag.of("outcome", outcome));
                }
                for (int i = 0; i < keys.size(); i++) {
                  tags.add(Tag.of(tagName(keys.get(i)), k.owner().labelValues().get(i)));
                }
                return Counter.builder(name).tags(tags).register(registry);
              });
      byConsumer
          .computeIfAbsent(consumer, k -> new ConcurrentHashMap<>())
          .put(outcome == null ? name : outcome, c);
      return c;
    }
  }

  /** Whose series a request of {@code consumer} counts in, under the label keys {@code keys}. */
  private static Owner owner(ConsumerPolicy consumer, List<String> keys) {
    List<String> values = new ArrayList<>(keys.size());
    for (String label : keys) {
      values.add(consumer.labels().getOrDefault(label, ""));
    }
    return new Owner(consumer.name(), List.copyOf(values));
  }

  /** {@code costCenter} becomes {@code label_costcenter}: Prometheus label names are [a-z0-9_]. */
  static String tagName(String label) {
    return "label_" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }
}
