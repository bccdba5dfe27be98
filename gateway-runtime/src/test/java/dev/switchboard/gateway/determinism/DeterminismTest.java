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

  @Test
  void aSeedNoTargetReceivesIsNamedEvenWhereTheProviderWouldHonourIt() {
    Determinism dropped = new Determinism(42L, true, "hash", null, null, true);

    assertThat(dropped.unhonoured("openai")).isEqualTo("seed");
    assertThat(dropped.bridgesSeed(false, "openai")).isFalse(); // nothing to bridge it through
  }

  @Test
  void onlyASeedBehindADoorWithoutOneIsBridgedAndOnlyToAProviderThatHonoursIt() {
    assertThat(seeded.bridgesSeed(false, "openai")).isTrue(); // /v1/responses to OpenAI
    assertThat(seeded.bridgesSeed(false, "azure-openai")).isTrue();
    assertThat(seeded.bridgesSeed(true, "openai")).isFalse(); // chat completions carries it
    assertThat(seeded.bridgesSeed(false, "anthropic"))
        .isFalse(); // /v1/messages: no seed either way
    assertThat(new Determinism(null, false, "hash", null, null).bridgesSeed(false, "openai"))
        .isFalse();
  }
}
