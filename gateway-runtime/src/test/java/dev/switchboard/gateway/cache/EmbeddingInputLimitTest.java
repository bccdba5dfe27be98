package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ProviderKind;
import org.junit.jupiter.api.Test;

/** The length bound that keeps truncated texts out of the semantic cache. */
class EmbeddingInputLimitTest {

  @Test
  void englishIsEstimatedAtFourCharactersPerToken() {
    assertThat(EmbeddingInputLimit.fits("a".repeat(400), 100)).isTrue();
    assertThat(EmbeddingInputLimit.fits("a".repeat(401), 100)).isFalse();
  }

  @Test
  void everyNonAsciiCharacterIsAWholeToken() {
    // Chinese runs about one token per character, not four characters per token.
    assertThat(EmbeddingInputLimit.fits("水".repeat(100), 100)).isTrue();
    assertThat(EmbeddingInputLimit.fits("水".repeat(101), 100)).isFalse();
    assertThat(EmbeddingInputLimit.fits("水".repeat(50) + "a".repeat(200), 100)).isTrue();
    assertThat(EmbeddingInputLimit.fits("水".repeat(51) + "a".repeat(200), 100)).isFalse();
  }

  @Test
  void aProviderThatTruncatesGetsHalfItsDocumentedLimit() {
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.GEMINI)).isEqualTo(1024);
    // OpenAI refuses an over-long input (a miss, never a truncated vector): its whole limit.
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.OPENAI)).isEqualTo(8192);
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.AZURE_OPENAI)).isEqualTo(8192);
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.OPENAI_COMPATIBLE)).isEqualTo(128);
  }

  @Test
  void aStatedLimitIsTakenWholeWhereTheKindRefusesAndHalvedElsewhere() {
    // bge-m3 behind TEI or Ollama: it may truncate, and the estimate may count half the tokens.
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.OPENAI_COMPATIBLE, 8192)).isEqualTo(4096);
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.GEMINI, 2048)).isEqualTo(1024);
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.OPENAI, 8192)).isEqualTo(8192);
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.AZURE_OPENAI, 512)).isEqualTo(512);
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.OPENAI_COMPATIBLE, 1)).isEqualTo(1);
    // Not stated: the kind's own bound.
    assertThat(EmbeddingInputLimit.maxTokens(ProviderKind.OPENAI_COMPATIBLE, null)).isEqualTo(128);
  }
}
