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
}
