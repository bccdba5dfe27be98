package dev.switchboard.gateway.determinism;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code x-switchboard-unhonoured-params} names the seed only where the provider ignores it. */
class DeterminismTest {

  private final Determinism seeded = new Determinism(42L, true, "hash", null, null);

  @Test
  void aGeminiTargetHonoursTheSeedItsAdapterSendsAsGenerationConfigSeed() {
    assertThat(seeded.unhonoured("gemini")).isNull();
  }

  @Test
  void aProviderWithoutASeedIsNamedAndNoSeedNamesNothing() {
    assertThat(seeded.unhonoured("anthropic")).isEqualTo("seed");
    assertThat(new Determinism(null, false, "hash", null, null).unhonoured("anthropic")).isNull();
  }
}
