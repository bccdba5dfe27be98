package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbedderRefTest {

  @Test
  void aProviderEmbedderRoundTripsAndKeepsSlashesOfItsModel() {
    EmbedderRef ref = EmbedderRef.provider("gemini", "models/text-embedding-004");

    assertThat(ref.notation()).isEqualTo("provider:gemini/models/text-embedding-004");
    assertThat(EmbedderRef.parse(ref.notation())).contains(ref);
    assertThat(ref.isProvider()).isTrue();
  }

  @Test
  void aBuiltinEmbedderRoundTrips() {
    EmbedderRef ref = EmbedderRef.builtin("all-minilm-l6-v2");

    assertThat(EmbedderRef.parse("builtin:all-minilm-l6-v2")).contains(ref);
    assertThat(ref.isProvider()).isFalse();
  }

  @Test
  void otherSpellingsAreNotEmbedders() {
    assertThat(EmbedderRef.parse(null)).isEmpty();
    assertThat(EmbedderRef.parse("builtin:")).isEmpty();
    assertThat(EmbedderRef.parse("provider:openai")).isEmpty();
    assertThat(EmbedderRef.parse("provider:/m")).isEmpty();
    assertThat(EmbedderRef.parse("provider:openai/")).isEmpty();
    assertThat(EmbedderRef.parse("openai/text-embedding-3-small")).isEmpty();
  }
}
