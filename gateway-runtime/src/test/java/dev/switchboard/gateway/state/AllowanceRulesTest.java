package dev.switchboard.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The sizes and moments of a replica's local allowance, shared by both holders of one. */
class AllowanceRulesTest {

  @Test
  void aQuietReplicasAllowanceIsOnePercentOfTheSmallestRequestLimitAndAtMost128() {
    assertThat(AllowanceRules.requestTarget(99)).isZero(); // tight: decided in Redis one by one
    assertThat(AllowanceRules.requestTarget(1_000)).isEqualTo(10);
    assertThat(AllowanceRules.requestTarget(1_000_000)).isEqualTo(128);
    assertThat(AllowanceRules.requestTarget(Long.MAX_VALUE)).isZero(); // no request limit
  }

  @Test
  void aBusyReplicaHoldsAHundredMillisecondsOfItsOwnRateUpTo1024AndNeverOverOnePercent() {
    assertThat(AllowanceRules.heldRequests(0)).isEqualTo(128);
    assertThat(AllowanceRules.heldRequests(1_000)).isEqualTo(128); // 100 ms is 100: the base
    assertThat(AllowanceRules.heldRequests(5_000)).isEqualTo(500);
    assertThat(AllowanceRules.heldRequests(50_000)).isEqualTo(1_024);
    assertThat(AllowanceRules.heldRequests(Long.MAX_VALUE)).isEqualTo(1_024);
    assertThat(AllowanceRules.requestTarget(1_000_000, 5_000)).isEqualTo(500);
    assertThat(AllowanceRules.requestTarget(20_000, 5_000)).isEqualTo(200); // 1 % bounds it
    assertThat(AllowanceRules.requestTarget(99, 5_000)).isZero();
    assertThat(AllowanceRules.requestTarget(Long.MAX_VALUE, 5_000)).isZero();
  }

  @Test
  void aRateIsMeasuredOverAtLeastASpanAndSmoothedHalfAndHalf() {
    AllowanceRules.Rate rate = new AllowanceRules.Rate();
    assertThat(rate.update(0)).isZero(); // starts measuring
    for (int i = 0; i < 1_000; i++) {
      rate.count();
    }
    assertThat(rate.update(50_000_000)).as("half a span: not measured yet").isZero();
    assertThat(rate.update(100_000_000)).isEqualTo(5_000); // 10,000 a second, smoothed with 0
    for (int i = 0; i < 1_000; i++) {
      rate.count();
    }
    assertThat(rate.update(200_000_000)).isEqualTo(7_500);
    assertThat(rate.update(1_200_000_000)).as("a quiet second").isEqualTo(3_750);
    assertThat(rate.perSecond()).isEqualTo(3_750);
  }

  @Test
  void tokenOnlyLimitsAreCheckedLocallyOnlyFrom100000PerMinute() {
    assertThat(AllowanceRules.localTokenLevel(99_999)).isFalse(); // tight: decided in Redis
    assertThat(AllowanceRules.localTokenLevel(100_000)).isTrue();
    assertThat(AllowanceRules.localTokenLevel(Long.MAX_VALUE)).isTrue(); // no token limit
  }

  @Test
  void aReplicaAdmitsLocallyOnlyWhereItCanHoldRequestsOrCheckTokensLocally() {
    long none = Long.MAX_VALUE;
    assertThat(AllowanceRules.admitsLocally(99, none)).isFalse(); // holds no request
    assertThat(AllowanceRules.admitsLocally(99, 1_000_000)).isFalse(); // a generous token limit
    assertThat(AllowanceRules.admitsLocally(100, none)).isTrue();
    assertThat(AllowanceRules.admitsLocally(1_000, 50_000)).isTrue(); // requests are held
    assertThat(AllowanceRules.admitsLocally(none, 99_999)).isFalse();
    assertThat(AllowanceRules.admitsLocally(none, 100_000)).isTrue();
    assertThat(AllowanceRules.admitsLocally(none, none)).isTrue(); // a budget alone
  }

  @Test
  void itIsToppedUpUnderHalfItsTargetAndGivesBackWhatIsBeyondTwice() {
    assertThat(AllowanceRules.runningLow(4, 10)).isTrue();
    assertThat(AllowanceRules.runningLow(5, 10)).isFalse();
    assertThat(AllowanceRules.runningLow(0, 0)).isFalse(); // nothing to hold
    assertThat(AllowanceRules.spare(25, 10, false)).isEqualTo(5);
    assertThat(AllowanceRules.spare(15, 10, false)).isZero();
    assertThat(AllowanceRules.spare(15, 10, true)).isEqualTo(15); // idle: all of it
  }

  @Test
  void itIsIdleAfterASecondWithoutAnAdmission() {
    long second = AllowanceRules.IDLE_MS * 1_000_000;
    assertThat(AllowanceRules.idle(0, second)).isFalse();
    assertThat(AllowanceRules.idle(0, second + 1)).isTrue();
  }

  @Test
  void aRunTakesAtMost64WaitingRequestsInOrder() {
    ArrayDeque<Integer> waiting = new ArrayDeque<>(IntStream.range(0, 70).boxed().toList());
    List<Integer> batch = AllowanceRules.nextBatch(waiting);
    assertThat(batch).hasSize(64).startsWith(0, 1, 2).endsWith(63);
    assertThat(waiting).containsExactly(64, 65, 66, 67, 68, 69);
    assertThat(AllowanceRules.nextBatch(waiting)).hasSize(6);
    assertThat(AllowanceRules.nextBatch(waiting)).isEmpty();
  }
}
