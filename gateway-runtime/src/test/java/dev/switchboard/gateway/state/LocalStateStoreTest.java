package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store (one replica, or the {@code allow} fallback of an outage) keeps the semantics
 * of {@link RedisStateStore}'s scripts: the same cases as {@code RedisStateStoreTest}, on a clock
 * passed in with each call.
 */
class LocalStateStoreTest {

  private final LocalStateStore store = new LocalStateStore();
  private long now = 1_000_000;

  private AdmitCall call(String consumer, String id, long reserve, long dayLimit, long monthLimit) {
    return new AdmitCall(
        consumer,
        id,
        List.of(new Limit(3, 1_000)),
        now,
        reserve,
        "2026-05-01",
        "2026-05",
        dayLimit,
        monthLimit);
  }

  @Test
  void requestsPerMinuteAreTakenOnceAndRefillByTheClock() {
    for (int i = 0; i < 3; i++) {
      assertThat(store.admitNow(call("rpm", "r" + i, 0, -1, -1)).admitted()).isTrue();
    }
    Admission refused = store.admitNow(call("rpm", "r3", 0, -1, -1));
    assertThat(refused.verdict()).isEqualTo(Admission.Verdict.RATE_LIMITED);
    assertThat(refused.dimension()).isEqualTo("requests");
    assertThat(refused.retryAfterMs()).isEqualTo(20_000); // one request every 20 s at 3 rpm
    // The same id again is not a new request: admitted without taking another unit.
    assertThat(store.admitNow(call("rpm", "r0", 0, -1, -1)).admitted()).isTrue();
    now += 19_999;
    assertThat(store.admitNow(call("rpm", "r4", 0, -1, -1)).admitted()).isFalse();
    now += 1;
    assertThat(store.admitNow(call("rpm", "r4", 0, -1, -1)).admitted()).isTrue();
    // Another consumer has its own buckets.
    assertThat(store.admitNow(call("other", "r0", 0, -1, -1)).admitted()).isTrue();
  }

  @Test
  void tokensAreChargedAtSettlementAndRefuseWhileTheBucketIsEmpty() {
    AdmitCall first = call("tpm", "a", 0, -1, -1);
    assertThat(store.admitNow(first).admitted()).isTrue();
    store.settleNow(SettleCall.of(first, now, 0, 1_500)); // 1,000 per minute: 500 in debt
    Admission refused = store.admitNow(call("tpm", "b", 0, -1, -1));
    assertThat(refused.verdict()).isEqualTo(Admission.Verdict.RATE_LIMITED);
    assertThat(refused.dimension()).isEqualTo("tokens");
    assertThat(refused.retryAfterMs()).isEqualTo(30_001); // 500 tokens at 1,000/min, then > 0
    now += 30_001;
    assertThat(store.admitNow(call("tpm", "b", 0, -1, -1)).admitted()).isTrue();
  }

  @Test
  void aBudgetIsReservedThenSettledAtTheRealCostOnce() {
    long limit = 1_000;
    assertThat(store.admitNow(call("budget", "a", 600, limit, -1)).dayNanoUsd()).isEqualTo(600);
    Admission second = store.admitNow(call("budget", "b", 600, limit, -1));
    assertThat(second.verdict()).isEqualTo(Admission.Verdict.BUDGET_EXHAUSTED);
    assertThat(second.dimension()).isEqualTo("day");
    AdmitCall a = call("budget", "a", 600, limit, -1);
    store.settleNow(SettleCall.of(a, now, 100, 10));
    store.settleNow(SettleCall.of(a, now, 100, 10)); // a retry: no-op
    Spend spend = store.spend("budget", "2026-05-01", "2026-05").result();
    assertThat(spend.dayNanoUsd()).isEqualTo(100);
    assertThat(spend.monthNanoUsd()).isEqualTo(100);
    Admission third = store.admitNow(call("budget", "c", 600, limit, -1));
    assertThat(third.admitted()).isTrue();
    assertThat(third.dayNanoUsd()).isEqualTo(700); // 100 spent + 600 reserved
    assertThat(store.spend("nobody", "2026-05-01", "2026-05").result()).isEqualTo(new Spend(0, 0));
  }

  @Test
  void theMonthlyBudgetCountsAcrossDaysAndOldDaysAreForgotten() {
    AdmitCall may1 = call("month", "a", 700, -1, 1_000);
    assertThat(store.admitNow(may1).admitted()).isTrue();
    store.settleNow(SettleCall.of(may1, now, 700, 0));
    now += 24 * 3_600_000L; // the next day; the sweep drops May 1st's day counters
    AdmitCall may2 =
        new AdmitCall("month", "b", List.of(), now, 400, "2026-05-02", "2026-05", 500, 1_000);
    Admission refused = store.admitNow(may2);
    assertThat(refused.verdict()).isEqualTo(Admission.Verdict.BUDGET_EXHAUSTED);
    assertThat(refused.dimension()).isEqualTo("month");
    assertThat(refused.dayNanoUsd()).isZero(); // a new day
    assertThat(refused.monthNanoUsd()).isEqualTo(700);
    assertThat(store.spend("month", "2026-05-01", "2026-05").result().dayNanoUsd()).isZero();
  }
}
