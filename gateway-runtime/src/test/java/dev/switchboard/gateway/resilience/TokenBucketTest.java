package dev.switchboard.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private final AtomicLong now = new AtomicLong(42);

  @Test
  void takesUpToThePerMinuteLimitThenRefillsContinuously() {
    TokenBucket bucket = new TokenBucket(60, now::get);
    for (int i = 0; i < 60; i++) {
      assertThat(bucket.tryTake()).isTrue();
    }
    assertThat(bucket.tryTake()).isFalse();
    assertThat(bucket.millisUntil(1)).isEqualTo(1_000);
    now.addAndGet(1_000_000_000L); // one second refills one unit at 60/min
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isFalse();
  }

  @Test
  void chargedTokensMayGoNegativeAndBlockUntilRefilled() {
    TokenBucket bucket = new TokenBucket(600, now::get);
    assertThat(bucket.available()).isTrue();
    bucket.charge(900); // an answer larger than the whole minute's budget
    assertThat(bucket.available()).isFalse();
    assertThat(bucket.millisUntil(Math.ulp(1.0))).isEqualTo(30_000);
    now.addAndGet(30_001_000_000L);
    assertThat(bucket.available()).isTrue();
  }

  @Test
  void neverRefillsBeyondCapacity() {
    TokenBucket bucket = new TokenBucket(2, now::get);
    now.addAndGet(3_600_000_000_000L);
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isFalse();
  }

  @Test
  void giveBackReturnsAnUnusedUnit() {
    TokenBucket bucket = new TokenBucket(1, now::get);
    assertThat(bucket.tryTake()).isTrue();
    bucket.giveBack();
    assertThat(bucket.tryTake()).isTrue();
  }

  @Test
  void theSharedRefillRuleIsContinuousAndCappedInAnyTimeUnit() {
    // 60 per minute: one unit a second, whether the time is in ms or ns.
    assertThat(TokenBucket.refilled(10, 60, 1_000, 60_000)).isEqualTo(11);
    assertThat(TokenBucket.refilled(10, 60, 500_000_000L, 60_000_000_000L)).isEqualTo(10.5);
    assertThat(TokenBucket.refilled(-30, 60, 30_000, 60_000)).isZero();
    assertThat(TokenBucket.refilled(59, 60, 3_600_000, 60_000)).isEqualTo(60);
  }

  @Test
  void theSharedWaitRuleCountsMillisecondsUntilTheUnitsAreThere() {
    assertThat(TokenBucket.millisUntil(1, 0.25, 60)).isEqualTo(750);
    assertThat(TokenBucket.millisUntil(1, -0.5, 60)).isEqualTo(1_500); // charged below zero
    assertThat(TokenBucket.millisUntil(1, 1, 60)).isZero();
  }
}
