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
    metrics.follow(List.of(a, b), Set.of("team", "costCenter"));
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
    metrics.follow(List.of(a, b), Set.of("team", "costCenter", "env"));
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

  /**
   * A consumer relabelled counts under its new label values, and the series of its old values are
   * gone: otherwise every label value a consumer ever had would stay on /metrics for good.
   */
  @Test
  void aConsumerRelabelledCountsUnderItsNewLabelValuesOnly() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ConsumerMetrics metrics = new ConsumerMetrics(registry);
    ConsumerPolicy before = consumer("a", Map.of("team", "x"));
    metrics.follow(List.of(before), Set.of("team"));
    metrics.request(before, "admitted");
    metrics.spend(before, 0.5, 10);
    // A new directory: the same consumer, the same label key, another value.
    ConsumerPolicy relabelled = consumer("a", Map.of("team", "y"));
    metrics.follow(List.of(relabelled), Set.of("team"));
    metrics.request(relabelled, "admitted");
    metrics.request(relabelled, "admitted");

    assertThat(registry.find("switchboard_consumer_requests").tag("label_team", "x").counters())
        .isEmpty();
    assertThat(registry.find("switchboard_consumer_spend_usd").tag("label_team", "x").counters())
        .isEmpty();
    assertThat(teamRequests("y", registry)).isEqualTo(2);
  }

  /**
   * A consumer gone from the table loses its series (requests, spend, tokens); the others keep
   * theirs, counts and all, and so do the unauthenticated requests. A consumer back in a table
   * starts from zero, as a route back in the routing table does.
   */
  @Test
  void aConsumerGoneFromTheTableLosesItsSeriesAndTheOthersKeepTheirs() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ConsumerMetrics metrics = new ConsumerMetrics(registry);
    ConsumerPolicy a = consumer("a", Map.of("team", "x"));
    ConsumerPolicy b = consumer("b", Map.of("team", "x"));
    metrics.follow(List.of(a, b), Set.of("team"));
    for (ConsumerPolicy c : List.of(a, b)) {
      metrics.request(c, "admitted");
      metrics.request(c, "rate_limited");
      metrics.spend(c, 0.25, 100);
    }
    metrics.unauthenticated("unknown");

    // The next table has a (a new object, as every table makes them) and no b.
    ConsumerPolicy aAgain = consumer("a", Map.of("team", "x"));
    metrics.follow(List.of(aAgain), Set.of("team"));
    metrics.request(aAgain, "admitted");

    assertThat(registry.getMeters())
        .noneSatisfy(m -> assertThat(m.getId().getTag("consumer")).isEqualTo("b"));
    assertThat(requests("a", "admitted", registry)).isEqualTo(2);
    assertThat(requests("a", "rate_limited", registry)).isEqualTo(1);
    assertThat(
            registry.get("switchboard_consumer_spend_usd").tag("consumer", "a").counter().count())
        .isEqualTo(0.25);
    assertThat(registry.get("switchboard_consumer_tokens").tag("consumer", "a").counter().count())
        .isEqualTo(100);
    assertThat(registry.get("switchboard_consumer_unauthenticated").counter().count()).isEqualTo(1);

    // b back: its counters start afresh.
    ConsumerPolicy bBack = consumer("b", Map.of("team", "x"));
    metrics.follow(List.of(aAgain, bBack), Set.of("team"));
    metrics.request(bBack, "admitted");
    assertThat(requests("b", "admitted", registry)).isEqualTo(1);
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
    metrics.follow(List.of(a), Set.of("team"));
    metrics.request(a, "admitted");

    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<?> relabel =
          threads.submit(() -> metrics.follow(List.of(a), Set.of("team", "env")));
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
