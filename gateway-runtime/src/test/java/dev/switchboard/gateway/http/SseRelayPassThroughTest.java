package dev.switchboard.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which stream chunks the relay forwards without parsing, and what it forwards for them. */
class SseRelayPassThroughTest {

  private static final String CONTENT =
      "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
          + "\"logprobs\":null,\"finish_reason\":null}]";

  @Test
  void plainContentChunkPassesUnchanged() {
    String chunk = CONTENT + "}";
    assertThat(SseRelay.passThrough(chunk, false)).isSameAs(chunk);
    assertThat(SseRelay.passThrough(chunk, true)).isSameAs(chunk);
  }

  @Test
  void nullUsageIsKeptForTheClientThatAskedAndCutOtherwise() {
    String chunk = CONTENT + ",\"usage\":null}";
    assertThat(SseRelay.passThrough(chunk, false)).isEqualTo(chunk);
    assertThat(SseRelay.passThrough(chunk, true)).isEqualTo(CONTENT + "}");
  }

  @Test
  void chunksThatCarrySomethingToReadAreParsed() {
    assertThat(
            SseRelay.passThrough(
                CONTENT.replace("\"finish_reason\":null", "\"finish_reason\":\"stop\"") + "}",
                false))
        .isNull();
    assertThat(SseRelay.passThrough("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}", false))
        .isNull();
    assertThat(
            SseRelay.passThrough(
                "{\"choices\":[{\"delta\":{\"refusal\":\"no\"},\"finish_reason\":null}]}", false))
        .isNull();
    assertThat(SseRelay.passThrough("{\"error\":{\"message\":\"boom\"}}", false)).isNull();
  }

  @Test
  void nullRefusalIsOrdinary() {
    String chunk = "{\"choices\":[{\"delta\":{\"refusal\":null},\"finish_reason\":null}]}";
    assertThat(SseRelay.passThrough(chunk, false)).isSameAs(chunk);
  }

  @Test
  void anythingNotShapedLikeOneJsonObjectLineIsParsed() {
    assertThat(SseRelay.passThrough("not json", false)).isNull();
    assertThat(SseRelay.passThrough("{\"a\":\n1}", false)).isNull();
    assertThat(SseRelay.passThrough("", false)).isNull();
    // Shaped like an object but broken inside: never forwarded as is.
    assertThat(SseRelay.passThrough("{\"choices\":[{\"delta\":{\"content\":\"x\"}]}", false))
        .isNull();
    assertThat(SseRelay.passThrough("{\"a\":1}}", false)).isNull();
  }

  @Test
  void usageNotAtTheEndIsLeftToTheParserWhenItMustBeCut() {
    String chunk = "{\"usage\":null," + CONTENT.substring(1) + "}";
    assertThat(SseRelay.passThrough(chunk, true)).isNull();
    assertThat(SseRelay.passThrough(chunk, false)).isSameAs(chunk);
  }
}
