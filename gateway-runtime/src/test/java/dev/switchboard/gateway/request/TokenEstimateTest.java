package dev.switchboard.gateway.request;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The gateway's one token estimate: four characters per token, non-ASCII a token each. */
class TokenEstimateTest {

  @Test
  void fourCharactersMakeATokenRoundedDownOrUp() {
    assertThat(TokenEstimate.of(7)).isEqualTo(1);
    assertThat(TokenEstimate.of(8)).isEqualTo(2);
    assertThat(TokenEstimate.roundedUp(0)).isZero();
    assertThat(TokenEstimate.roundedUp(5)).isEqualTo(2);
    assertThat(TokenEstimate.roundedUp(8)).isEqualTo(2);
  }

  @Test
  void aBoundCountsEveryNonAsciiCharacterAsAToken() {
    assertThat(TokenEstimate.atMost("a".repeat(400), 100)).isTrue();
    assertThat(TokenEstimate.atMost("a".repeat(401), 100)).isFalse();
    assertThat(TokenEstimate.atMost("水".repeat(50) + "a".repeat(200), 100)).isTrue();
    assertThat(TokenEstimate.atMost("水".repeat(51) + "a".repeat(200), 100)).isFalse();
  }
}
