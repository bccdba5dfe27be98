package dev.switchboard.gateway.consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.noop.NoopCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-consumer metrics, tagged with the consumer's name and its labels ({@code label_<key>}).
 * Prometheus wants one tag set per metric name, so every series carries the union of the label keys
 * of the current consumers (empty where a consumer has no such label); when that union changes the
 * series are registered afresh. Never a key, not even a hash of one.
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

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /**
   * The same counters by consumer (the directory's object: a new directory makes new ones, so a
   * consumer whose label values changed gets series with the new values), then by outcome (or by
   * metric name for the counters without one: the outcomes and those names never coincide).
   */
  private final Map<ConsumerPolicy, Map<String, Counter>> byConsumer = new ConcurrentHashMap<>();

  private final List<Meter> registered = new ArrayList<>();
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
   * Follows a new directory: forgets the previous directory's consumers, and re-registers the
   * series when the union of label keys changed.
   */
  public void labelKeys(Set<String> keys) {
    List<String> sorted = List.copyOf(new TreeSet<>(keys));
    if (sorted.equals(labelKeys)) {
      byConsumer.clear();
      return;
    }
    // Removing every consumer series (tens of thousands at 10,000 consumers) holds this monitor
    // for a long time: requests that would wait on it count nothing meanwhile instead (a
    // relabelling starts every series afresh anyway).
    relabelling = true;
    try {
      synchronized (this) {
        byConsumer.clear();
        registered.forEach(registry::remove);
        registered.clear();
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
    counters
        .computeIfAbsent(
            "unauth|" + reason,
            k ->
                remember(
                    Counter.builder("switchboard_consumer_unauthenticated")
                        .description("API requests refused for a missing or unknown consumer key")
                        .tag("reason", reason)
                        .register(registry)))
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
    // The label values are part of the series: a consumer relabelled gets new ones.
    String key =
        name + "|" + consumer.name() + "|" + outcome + "|" + new TreeMap<>(consumer.labels());
    synchronized (this) {
      c =
          counters.computeIfAbsent(
              key,
              k -> {
                List<Tag> tags = new ArrayList<>();
                tags.add(Tag.of("consumer", consumer.name()));
                if (outcome != null) {
                  tags.add(Tag.of("outcome", outcome));
                }
                for (String label : labelKeys) {
                  tags.add(Tag.of(tagName(label), consumer.labels().getOrDefault(label, "")));
                }
                return remember(Counter.builder(name).tags(tags).register(registry));
              });
      byConsumer
          .computeIfAbsent(consumer, k -> new ConcurrentHashMap<>())
          .put(outcome == null ? name : outcome, c);
      return c;
    }
  }

  private synchronized Counter remember(Counter c) {
    registered.add(c);
    return c;
  }

  /** {@code costCenter} becomes {@code label_costcenter}: Prometheus label names are [a-z0-9_]. */
  static String tagName(String label) {
    return "label_" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }
}
