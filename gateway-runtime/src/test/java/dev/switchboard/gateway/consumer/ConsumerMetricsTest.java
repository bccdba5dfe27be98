package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Per-consumer series: one per consumer and outcome, tagged with the union of label keys. */
class ConsumerMetricsTest {

  private static ConsumerPolicy consumer(String name, Map<String, String> labels) {
    return new ConsumerPolicy(
        new ConsumerTable.Consumer(name, List.of(), List.of("*"), List.of(), null, "deny", labels));
  }

  @Test
  void countsPerConsumerAndOutcomeWithTheUnionOfLabelKeys() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ConsumerMetrics metrics = new ConsumerMetrics(registry);
    ConsumerPolicy a = consumer("a", Map.of("team", "x"));
    ConsumerPolicy b = consumer("b", Map.of("costCenter", "42"));
    metrics.labelKeys(Set.of("team", "costCenter"));
    for (int i = 0; i < 3; i++) {
      metrics.request(a, "admitted");
    }
    metrics.request(a, "rate_limited");
    metrics.request(b, "admitted");
    metrics.spend(a, 0.25, 100);
    metrics.spend(a, 0.5, 50);

    assertThat(requests("a", "admitted", registry)).isEqualTo(3);
    assertThat(requests("a", "rate_limited", registry)).isEqualTo(1);
    assertThat(requests("b", "admitted", registry)).isEqualTo(1);
    assertThat(
            registry
                .get("switchboard_consumer_spend_usd")
                .tag("consumer", "a")
                .tag("label_team", "x")
                .tag("label_costcenter", "")
                .counter()
                .count())
        .isEqualTo(0.75);
    assertThat(registry.get("switchboard_consumer_tokens").tag("consumer", "a").counter().count())
        .isEqualTo(150);

    // A new label key: the series are registered afresh with it.
    metrics.labelKeys(Set.of("team", "costCenter", "env"));
    metrics.request(a, "admitted");
    assertThat(
            registry
                .get("switchboard_consumer_requests")
                .tag("consumer", "a")
                .tag("outcome", "admitted")
                .tag("label_env", "")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aConsumerRelabelledCountsUnderItsNewLabelValues() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ConsumerMetrics metrics = new ConsumerMetrics(registry);
    metrics.labelKeys(Set.of("team"));
    metrics.request(consumer("a", Map.of("team", "x")), "admitted");
    // A new directory: the same consumer, the same label key, another value.
    metrics.labelKeys(Set.of("team"));
    ConsumerPolicy relabelled = consumer("a", Map.of("team", "y"));
    metrics.request(relabelled, "admitted");
    metrics.request(relabelled, "admitted");
    assertThat(teamRequests("x", registry)).isEqualTo(1);
    assertThat(teamRequests("y", registry)).isEqualTo(2);
  }

  private static double teamRequests(String team, SimpleMeterRegistry registry) {
    return registry
        .get("switchboard_consumer_requests")
        .tag("consumer", "a")
        .tag("label_team", team)
        .counter()
        .count();
  }

  private static double requests(String consumer, String outcome, SimpleMeterRegistry registry) {
    return registry
        .get("switchboard_consumer_requests")
        .tag("consumer", consumer)
        .tag("outcome", outcome)
        .counter()
        .count();
  }

  @Test
  void aRequestDoesNotWaitWhileTheSeriesAreReplacedForNewLabelKeys() throws Exception {
    java.util.concurrent.CountDownLatch removing = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
    SimpleMeterRegistry registry =
        new SimpleMeterRegistry() {
          @Override
          public io.micrometer.core.instrument.Meter remove(
              io.micrometer.core.instrument.Meter meter) {
            // Removing thousands of series takes long: this one until the test says so.
            removing.countDown();
            try {
              finish.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.remove(meter);
          }
        };
    ConsumerMetrics metrics = new ConsumerMetrics(registry);
    ConsumerPolicy a = consumer("a", Map.of("team", "x"));
    metrics.labelKeys(Set.of("team"));
    metrics.request(a, "admitted");

    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<?> relabel =
          threads.submit(() -> metrics.labelKeys(Set.of("team", "env")));
      assertThat(removing.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      // The reload thread is removing series: a request goes on without waiting for it.
      threads
          .submit(() -> metrics.request(a, "admitted"))
          .get(5, java.util.concurrent.TimeUnit.SECONDS);
      finish.countDown();
      relabel.get(10, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      finish.countDown();
      threads.shutdownNow();
    }
    // Afterwards, series with the new label key count again.
    metrics.request(a, "admitted");
    assertThat(
            registry
                .get("switchboard_consumer_requests")
                .tag("consumer", "a")
                .tag("label_env", "")
                .counter()
                .count())
        .isEqualTo(1);
  }
}
