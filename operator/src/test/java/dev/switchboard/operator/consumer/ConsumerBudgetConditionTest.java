package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ConsumerBudget;
import dev.switchboard.operator.runtime.ConsumerSpendSource;
import dev.switchboard.operator.status.Conditions;
import org.junit.jupiter.api.Test;

/**
 * BudgetExhausted says that requests are refused only when the gateways refuse them: on a shared
 * total. Replicas without a shared store each enforce the budget alone, so their summed spend
 * passing it does not mean any of them refuses.
 */
class ConsumerBudgetConditionTest {

  static ConsumerBudget daily(double usd) {
    ConsumerBudget budget = new ConsumerBudget();
    budget.setUsdPerDay(usd);
    return budget;
  }

  @Test
  void aBudgetSpentOnlyInTheSumOfReplicasThatCountAloneClaimsNoRefusals() {
    // Two replicas without a shared store, 6 USD each of a 10 USD daily budget: both still admit.
    Conditions.Desired summed =
        ConsumerReconciler.budgetCondition(
                daily(10.0), new ConsumerSpendSource.Spent(12.0, 12.0, false))
            .orElseThrow();
    assertThat(summed.status()).isTrue();
    assertThat(summed.reason()).isEqualTo("DailyBudgetSpent");
    assertThat(summed.message()).doesNotContain("429").contains("each replica");

    Conditions.Desired shared =
        ConsumerReconciler.budgetCondition(
                daily(10.0), new ConsumerSpendSource.Spent(12.0, 12.0, true))
            .orElseThrow();
    assertThat(shared.status()).isTrue();
    assertThat(shared.message()).contains("429 insufficient_quota until 00:00 UTC");
  }
}
