package dev.switchboard.mock.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FaultSpecTest {

  @Test
  void statusWithRetryAfterParameters() {
    FaultSpec f = FaultSpec.parse("status:429;retry-after=2;retry-after-ms=1500");

    assertThat(f.status()).isEqualTo(429);
    assertThat(f.retryAfterSeconds()).isEqualTo(2);
    assertThat(f.retryAfterMs()).isEqualTo(1500L);
    assertThat(f.isNone()).isFalse();
    assertThat(f.toString()).isEqualTo("status:429;retry-after=2;retry-after-ms=1500");
  }

  @Test
  void statusWithAnErrorCode() {
    assertThat(FaultSpec.parse("status:429;code=insufficient_quota").errorCode())
        .isEqualTo("insufficient_quota");
    assertThat(FaultSpec.parse("status:429").errorCode()).isNull();
    assertThat(FaultSpec.parse("stream-error:0;code=insufficient_quota").errorCode())
        .isEqualTo("insufficient_quota");
    assertThatThrownBy(() -> FaultSpec.parse("delay:5;code=x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fixedAndRandomDelays() {
    assertThat(FaultSpec.parse("delay:300"))
        .extracting(FaultSpec::delayMinMs, FaultSpec::delayMaxMs)
        .containsExactly(300L, 300L);
    assertThat(FaultSpec.parse("delay:100-900"))
        .extracting(FaultSpec::delayMinMs, FaultSpec::delayMaxMs)
        .containsExactly(100L, 900L);
  }

  @Test
  void flagsAndArguments() {
    assertThat(FaultSpec.parse("reset-before-headers").resetBeforeHeaders()).isTrue();
    assertThat(FaultSpec.parse("reset-after-headers").resetAfterHeaders()).isTrue();
    assertThat(FaultSpec.parse("stall").stall()).isTrue();
    assertThat(FaultSpec.parse("non-json").nonJson()).isTrue();
    assertThat(FaultSpec.parse("refusal").refusal()).isTrue();
    assertThat(FaultSpec.parse("refusal").contentFilter()).isFalse();
    assertThat(FaultSpec.parse("content-filter").contentFilter()).isTrue();
    assertThat(FaultSpec.parse("content-filter").isNone()).isFalse();
    assertThat(FaultSpec.parse("echo-auth").echoAuth()).isTrue();
    assertThat(FaultSpec.parse("echo-auth").isNone()).isFalse();
    assertThat(FaultSpec.parse("endless-json").endlessJson()).isTrue();
    assertThat(FaultSpec.parse("truncate:3").truncateAfterEvents()).isEqualTo(3);
    assertThat(FaultSpec.parse("truncate").truncateAfterEvents()).isEqualTo(1);
    assertThat(FaultSpec.parse("drip:50").dripMs()).isEqualTo(50L);
    assertThat(FaultSpec.parse("trickle:20").trickleMs()).isEqualTo(20L);
    assertThat(FaultSpec.parse("trickle:20").isNone()).isFalse();
    assertThat(FaultSpec.parse("unterminated-end").unterminatedEnd()).isEqualTo("line");
    assertThat(FaultSpec.parse("unterminated-end:BARE").unterminatedEnd()).isEqualTo("bare");
    assertThat(FaultSpec.parse("unterminated-end").isNone()).isFalse();
    assertThat(FaultSpec.parse("unterminated-end").resolveFailRate(false).unterminatedEnd())
        .isEqualTo("line");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> FaultSpec.parse("unterminated-end:half"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(FaultSpec.parse("fail-rate:0.3").failRate()).isEqualTo(0.3);
    assertThat(FaultSpec.parse("stall-after:2").stallAfterEvents()).isEqualTo(2);
    assertThat(FaultSpec.parse("stream-error:4").streamErrorAfterEvents()).isEqualTo(4);
    assertThat(FaultSpec.parse("tokens:40").completionPieces()).isEqualTo(40);
    assertThat(FaultSpec.parse("prompt-tokens:900").promptTokens()).isEqualTo(900);
    assertThat(FaultSpec.parse("cached-tokens:100").cachedTokens()).isEqualTo(100);
  }

  @Test
  void combinationsMergeDirectives() {
    FaultSpec f = FaultSpec.parse(" delay:200 , status:503 ");

    assertThat(f.delayMinMs()).isEqualTo(200);
    assertThat(f.status()).isEqualTo(503);
  }

  @Test
  void resolvingFailRateKeepsOtherDirectives() {
    FaultSpec f = FaultSpec.parse("delay:10,fail-rate:0.5,tokens:3");

    assertThat(f.resolveFailRate(true))
        .extracting(
            FaultSpec::status,
            FaultSpec::failRate,
            FaultSpec::delayMinMs,
            FaultSpec::completionPieces)
        .containsExactly(500, null, 10L, 3);
    assertThat(f.resolveFailRate(false).status()).isNull();
  }

  @Test
  void noneAndBlankMeanNoFault() {
    assertThat(FaultSpec.parse("none").isNone()).isTrue();
    assertThat(FaultSpec.parse("  ").isNone()).isTrue();
    assertThat(FaultSpec.parse("NONE")).isEqualTo(FaultSpec.NONE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "explode",
        "status",
        "status:abc",
        "status:99",
        "status:429;retry-after",
        "status:429;bogus=1",
        "delay:900-100",
        "delay:-5",
        "fail-rate:1.5",
        "drip:",
        "trickle:0",
        "trickle",
        "tokens:0",
        "stall-after:-1"
      })
  void rejectsMalformedSpecs(String spec) {
    assertThatThrownBy(() -> FaultSpec.parse(spec)).isInstanceOf(IllegalArgumentException.class);
  }
}
