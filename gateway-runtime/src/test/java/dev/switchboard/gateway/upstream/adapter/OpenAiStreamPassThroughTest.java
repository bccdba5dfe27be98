package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which stream chunks the OpenAI decoder relays without parsing, and what it relays for them. */
class OpenAiStreamPassThroughTest {

  private static final String CONTENT =
      "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
          + "\"logprobs\":null,\"finish_reason\":null}]";

  @Test
  void plainContentChunkPassesUnchanged() {
    String chunk = CONTENT + "}";
    assertThat(OpenAiStreamDecoder.passThrough(chunk, false)).isSameAs(chunk);
    assertThat(OpenAiStreamDecoder.passThrough(chunk, true)).isSameAs(chunk);
  }

  @Test
  void nullUsageIsKeptForTheClientThatAskedAndCutOtherwise() {
    String chunk = CONTENT + ",\"usage\":null}";
    assertThat(OpenAiStreamDecoder.passThrough(chunk, false)).isEqualTo(chunk);
    assertThat(OpenAiStreamDecoder.passThrough(chunk, true)).isEqualTo(CONTENT + "}");
  }

  @Test
  void chunksThatCarrySomethingToReadAreParsed() {
    assertThat(
            OpenAiStreamDecoder.passThrough(
                CONTENT.replace("\"finish_reason\":null", "\"finish_reason\":\"stop\"") + "}",
                false))
        .isNull();
    assertThat(
            OpenAiStreamDecoder.passThrough(
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}", false))
        .isNull();
    assertThat(
            OpenAiStreamDecoder.passThrough(
                "{\"choices\":[{\"delta\":{\"refusal\":\"no\"},\"finish_reason\":null}]}", false))
        .isNull();
    assertThat(OpenAiStreamDecoder.passThrough("{\"error\":{\"message\":\"boom\"}}", false))
        .isNull();
  }

  @Test
  void anAzureEventWithAnEmptyObjectIsRelayedAsAChatCompletionChunk() {
    // Azure's prompt filter events say object "", which openai-java's validate() rejects; one that
    // is not the stream's first (always parsed) must not slip through unparsed either.
    String verdict =
        "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
            + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}";
    assertThat(OpenAiStreamDecoder.passThrough(verdict, false)).isNull();

    OpenAiStreamDecoder decoder = new OpenAiStreamDecoder(false, false);
    decoder.decode(CONTENT + "}", null);
    String relayed = decoder.decode(verdict, null).payload();

    assertThat(relayed)
        .isEqualTo(verdict.replace("\"object\":\"\"", "\"object\":\"chat.completion.chunk\""));
  }

  @Test
  void nullRefusalIsOrdinary() {
    String chunk = "{\"choices\":[{\"delta\":{\"refusal\":null},\"finish_reason\":null}]}";
    assertThat(OpenAiStreamDecoder.passThrough(chunk, false)).isSameAs(chunk);
  }

  @Test
  void anythingNotShapedLikeOneJsonObjectLineIsParsed() {
    assertThat(OpenAiStreamDecoder.passThrough("not json", false)).isNull();
    assertThat(OpenAiStreamDecoder.passThrough("{\"a\":\n1}", false)).isNull();
    assertThat(OpenAiStreamDecoder.passThrough("", false)).isNull();
    // Shaped like an object but broken inside: never forwarded as is.
    assertThat(
            OpenAiStreamDecoder.passThrough(
                "{\"choices\":[{\"delta\":{\"content\":\"x\"}]}", false))
        .isNull();
    assertThat(OpenAiStreamDecoder.passThrough("{\"a\":1}}", false)).isNull();
  }

  @Test
  void usageNotAtTheEndIsLeftToTheParserWhenItMustBeCut() {
    String chunk = "{\"usage\":null," + CONTENT.substring(1) + "}";
    assertThat(OpenAiStreamDecoder.passThrough(chunk, true)).isNull();
    assertThat(OpenAiStreamDecoder.passThrough(chunk, false)).isSameAs(chunk);
  }
}
