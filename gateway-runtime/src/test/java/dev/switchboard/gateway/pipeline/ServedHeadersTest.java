package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServedHeadersTest {

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
}
