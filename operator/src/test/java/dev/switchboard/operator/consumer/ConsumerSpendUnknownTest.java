package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.ConsumerStatus;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.runtime.ConsumerSpendSource;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Spend and BudgetExhausted while no gateway replica can be asked (a gateway rollout): the last
 * figures stay, and the condition keeps its status but says that, and since when, the spend is
 * unknown, so a suspended consumer does not look Ready for the restart nor warn again after it.
 */
class ConsumerSpendUnknownTest {

  private static final String NS = "spend-unknown";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:00:00Z"));
  private final AtomicReference<Optional<Map<String, ConsumerSpendSource.Spent>>> reported =
      new AtomicReference<>(Optional.empty());

  private static Consumer consumer() {
    Consumer c = new Consumer();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName("search")
            .withNamespace(NS)
            .withUid("uid-search")
            .withGeneration(1L)
            .build());
    ConsumerSpec spec = new ConsumerSpec();
    spec.setBudget(ConsumerBudgetConditionTest.daily(5.0));
    c.setSpec(spec);
    return c;
  }

  private static Optional<Condition> budget(Consumer c) {
    return Conditions.find(c.getStatus().getConditions(), ConsumerReconciler.BUDGET_EXHAUSTED);
  }

  @Test
  void lastKnownSpendStaysAndTheConditionSaysSinceWhenItIsUnknown() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      EventRecorder events = new EventRecorder(api.client(), clock);
      ConsumerReconciler reconciler =
          new ConsumerReconciler(
              new ConsumerKeysPublisher(api.client()),
              new Conditions(clock),
              events,
              namespace -> reported.get(),
              clock,
              OperatorCredential.generate());
      ConsumerTableRenderer.Resolution resolution =
          new ConsumerTableRenderer.Resolution(
              List.of(KeyAges.sha256Hex("sk-search")), List.of(), List.of(), 0);
      Consumer consumer = consumer();

      // Over budget, as the replicas report it.
      reported.set(Optional.of(Map.of("search", new ConsumerSpendSource.Spent(6.0, 6.0, true))));
      consumer = patched(reconciler.status(consumer, resolution));
      assertThat(budget(consumer).orElseThrow().getReason()).isEqualTo("DailyBudgetSpent");
      String updatedAt = consumer.getStatus().getSpend().getUpdatedAt();

      // A gateway rollout: nobody answers.
      clock.advance(Duration.ofSeconds(15));
      reported.set(Optional.empty());
      consumer = patched(reconciler.status(consumer, resolution));
      Condition unknown = budget(consumer).orElseThrow();
      assertThat(unknown.getStatus()).isEqualTo("True");
      assertThat(unknown.getReason()).isEqualTo("SpendUnknown");
      assertThat(unknown.getMessage())
          .startsWith("no gateway replica has answered since 2026-12-01T09:00:15Z")
          .contains("spent 6.00 USD today of a 5.00 USD daily budget");
      assertThat(consumer.getStatus().getSpend().getToday()).isEqualTo(6.0);
      assertThat(consumer.getStatus().getSpend().getUpdatedAt()).isEqualTo(updatedAt);

      // Still nobody: nothing to write (the message keeps its first time).
      clock.advance(Duration.ofSeconds(15));
      assertThat(reconciler.status(consumer, resolution).isPatchStatus()).isFalse();

      // The replicas answer again, still over budget: the reason comes back, no second Warning.
      clock.advance(Duration.ofSeconds(15));
      reported.set(Optional.of(Map.of("search", new ConsumerSpendSource.Spent(6.5, 6.5, true))));
      consumer = patched(reconciler.status(consumer, resolution));
      assertThat(budget(consumer).orElseThrow().getReason()).isEqualTo("DailyBudgetSpent");
      events.flushAll();
      // One Event recorded once: a repeat would be folded into it (count 2), not added.
      assertThat(
              api.client().v1().events().inNamespace(NS).list().getItems().stream()
                  .filter(e -> "DailyBudgetSpent".equals(e.getReason())))
          .singleElement()
          .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));

      // The replicas answer without this consumer: no spend, so no condition either.
      reported.set(Optional.of(Map.of()));
      consumer = patched(reconciler.status(consumer, resolution));
      assertThat(consumer.getStatus().getSpend()).isNull();
      assertThat(budget(consumer)).isEmpty();
    }
  }

  @Test
  void aBudgetChangedWhileTheSpendIsUnknownIsTheOneTheConditionDescribes() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      ConsumerReconciler reconciler =
          new ConsumerReconciler(
              new ConsumerKeysPublisher(api.client()),
              new Conditions(clock),
              new EventRecorder(api.client(), clock),
              namespace -> reported.get(),
              clock,
              OperatorCredential.generate());
      ConsumerTableRenderer.Resolution resolution =
          new ConsumerTableRenderer.Resolution(
              List.of(KeyAges.sha256Hex("sk-search")), List.of(), List.of(), 0);
      Consumer consumer = consumer();
      reported.set(Optional.of(Map.of("search", new ConsumerSpendSource.Spent(6.0, 6.0, true))));
      consumer = patched(reconciler.status(consumer, resolution));

      clock.advance(Duration.ofSeconds(15));
      reported.set(Optional.empty());
      consumer = patched(reconciler.status(consumer, resolution));
      assertThat(budget(consumer).orElseThrow().getMessage())
          .contains("of a 5.00 USD daily budget");

      // During the outage the daily budget is raised to 10 USD: the last figures are within it.
      clock.advance(Duration.ofSeconds(15));
      consumer.getSpec().setBudget(ConsumerBudgetConditionTest.daily(10.0));
      consumer.getMetadata().setGeneration(2L);
      consumer = patched(reconciler.status(consumer, resolution));
      Condition raised = budget(consumer).orElseThrow();
      assertThat(raised.getReason()).isEqualTo("SpendUnknown");
      assertThat(raised.getStatus()).isEqualTo("False");
      assertThat(raised.getMessage())
          .startsWith("no gateway replica has answered since 2026-12-01T09:00:15Z")
          .contains("spent 6.00 USD today and 6.00 USD this month")
          .contains("within a budget of 10.00 USD a day")
          .doesNotContain("5.00 USD");

      // Then lowered to a monthly 3 USD: exhausted again on the same figures, said as such.
      consumer.getSpec().getBudget().setUsdPerDay(null);
      consumer.getSpec().getBudget().setUsdPerMonth(3.0);
      consumer.getMetadata().setGeneration(3L);
      consumer = patched(reconciler.status(consumer, resolution));
      Condition lowered = budget(consumer).orElseThrow();
      assertThat(lowered.getReason()).isEqualTo("SpendUnknown");
      assertThat(lowered.getStatus()).isEqualTo("True");
      assertThat(lowered.getMessage())
          .startsWith("no gateway replica has answered since 2026-12-01T09:00:15Z")
          .contains("spent 6.00 USD this month of a 3.00 USD monthly budget")
          .doesNotContain("daily");

      // Unchanged budget, still nobody answering: nothing to write.
      clock.advance(Duration.ofSeconds(15));
      assertThat(reconciler.status(consumer, resolution).isPatchStatus()).isFalse();
    }
  }

  /** The consumer as the patch leaves it (the reconciler works on what the informer holds). */
  private static Consumer patched(UpdateControl<Consumer> control) {
    assertThat(control.isPatchStatus()).isTrue();
    Consumer next = control.getResource().orElseThrow();
    ConsumerStatus status = next.getStatus();
    assertThat(status).isNotNull();
    return next;
  }
}
