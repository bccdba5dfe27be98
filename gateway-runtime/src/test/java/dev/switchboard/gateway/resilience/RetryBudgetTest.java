package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

  @Test
  void retriesAreBoundedByRatioOfRequestsPlusFloor() {
    RetryBudget budget = new RetryBudget(0.2, 1, now::get);
    for (int i = 0; i < 100; i++) {
      budget.recordRequest();
    }
    int granted = 0;
    for (int i = 0; i < 1000; i++) {
      if (budget.tryRetry()) {
        granted++;
      }
    }
    // 0.2 × 100 requests + 1/s × 10 s window
    assertThat(granted).isEqualTo(30);
  }

  @Test
  void floorAllowsRetriesAtLowTraffic() {
    RetryBudget budget = new RetryBudget(0.0, 2, now::get);
    int granted = 0;
    for (int i = 0; i < 100; i++) {
      if (budget.tryRetry()) {
        granted++;
      }
    }
    assertThat(granted).isEqualTo(20);
  }

  @Test
  void countsLeaveTheWindowAfterTenSeconds() {
    RetryBudget budget = new RetryBudget(0.0, 1, now::get);
    while (budget.tryRetry()) {
      // spend the whole budget
    }
    assertThat(budget.tryRetry()).isFalse();
    now.addAndGet(5_000_000_000L);
    assertThat(budget.tryRetry()).isFalse();
    now.addAndGet(6_000_000_000L);
    assertThat(budget.tryRetry()).isTrue();
  }

  @Test
  void reconfigurationAppliesToExistingCounts() {
    RetryBudget budget = new RetryBudget(0.0, 0, now::get);
    budget.recordRequest();
    assertThat(budget.tryRetry()).isFalse();
    budget.configure(1.0, 0);
    assertThat(budget.tryRetry()).isTrue();
    assertThat(budget.tryRetry()).isFalse();
  }
}
