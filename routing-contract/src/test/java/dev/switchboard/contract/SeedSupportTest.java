package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which presets honour {@code seed}: as the gateway's adapters send it to each provider. */
class SeedSupportTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"openai", "azure-openai", "openai-compatible", "qwen", "gemini", "mistral"})
  void presetsWhoseEndpointTakesTheSeedHonourIt(String kind) {
    // gemini: the native adapter sends it as generationConfig.seed (GeminiRequests); mistral: the
    // OpenAI adapter sends it as random_seed.
    assertThat(SeedSupport.honoursSeed(kind)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"anthropic", "deepseek", "no-such-provider"})
  void presetsWithoutADocumentedSeedDoNot(String kind) {
    assertThat(SeedSupport.honoursSeed(kind)).isFalse();
  }
}
