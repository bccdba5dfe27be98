package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.AsciiString;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServedHeadersTest {

  /**
   * x-switchboard-unhonoured-params: a deterministic route's unhonoured seed first, then what the
   * served attempt's adapter reported; nothing when neither says anything.
   */
  @Test
  void theUnhonouredParamsMergeTheSeedWithWhatTheServedAttemptReported() {
    assertThat(ServedHeaders.unhonoured(null, List.of())).isNull();
    assertThat(ServedHeaders.unhonoured("seed", List.of())).isEqualTo("seed");
    assertThat(ServedHeaders.unhonoured(null, List.of("temperature"))).isEqualTo("temperature");
    assertThat(ServedHeaders.unhonoured("seed", List.of("temperature")))
        .isEqualTo("seed, temperature");
    assertThat(ServedHeaders.unhonoured(null, List.of("user", "logprobs")))
        .isEqualTo("user, logprobs");
  }

  /**
   * A deterministic route's seed the served attempt also reports it left out (an Anthropic target,
   * a Responses target) is named once, first.
   */
  @Test
  void aSeedBothTheContractAndTheAttemptNameIsSaidOnce() {
    assertThat(ServedHeaders.unhonoured("seed", List.of("seed"))).isEqualTo("seed");
    assertThat(ServedHeaders.unhonoured("seed", List.of("logit_bias", "seed", "temperature")))
        .isEqualTo("seed, logit_bias, temperature");
    assertThat(ServedHeaders.unhonoured(null, List.of("seed", "logit_bias")))
        .isEqualTo("seed, logit_bias");
  }

  @Test
  void upstreamValuesGoIntoHeadersOnlyWhenAHeaderCanCarryThem() {
    assertThat(ServedHeaders.headerSafe("gpt-4o-mini-2024-07-18")).isTrue();
    assertThat(ServedHeaders.headerSafe("fp_44709d6fcb")).isTrue();
    assertThat(ServedHeaders.headerSafe("model\r\nset-cookie: x=1")).isFalse();
    assertThat(ServedHeaders.headerSafe("line\nbreak")).isFalse();
    assertThat(ServedHeaders.headerSafe("modèle")).isFalse();
    assertThat(ServedHeaders.headerSafe("x".repeat(257))).isFalse();
    assertThat(ServedHeaders.headerSafe("")).isFalse();
    assertThat(ServedHeaders.headerSafe(null)).isFalse();
  }

  /**
   * A table's names are encoded once, by identity, as the bytes their String would be written as; a
   * value with a character that is not printable ASCII stays the String (written, or refused by the
   * HTTP layer, exactly as before).
   */
  @Test
  void tableNamesAreEncodedOnceAsTheSameBytes() {
    String model = new String("gpt-4o-mini-2024-07-18".toCharArray());
    CharSequence first = ServedHeaders.encoded(model);
    assertThat(first).isInstanceOf(AsciiString.class);
    assertThat(first.toString()).isEqualTo(model);
    assertThat(((AsciiString) first).toByteArray())
        .isEqualTo(model.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(ServedHeaders.encoded(model)).isSameAs(first);

    String latin = new String("modèle".toCharArray());
    assertThat(ServedHeaders.encoded(latin)).isSameAs(latin);
    String split = new String("a\r\nSet-Cookie: x".toCharArray());
    assertThat(ServedHeaders.encoded(split)).isSameAs(split);
    assertThat(ServedHeaders.encoded(null)).isNull();
  }
}
