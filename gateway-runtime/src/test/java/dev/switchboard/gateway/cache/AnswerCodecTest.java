package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What an answer in the shared store keeps of the original through seal and open. */
class AnswerCodecTest {

  @Test
  void anAnswerFromTheSharedStoreKeepsItsReasoningTokens() {
    TokenUsage usage = new TokenUsage(120, 80, 30, 64);
    CachedAnswer answer =
        new CachedAnswer(
            "{\"object\":\"chat.completion\"}".getBytes(StandardCharsets.UTF_8),
            new ReplySummary("o3-mini", "fp", "stop", false, usage),
            null,
            Operation.CHAT_COMPLETIONS,
            null,
            "openai/o3-mini",
            "v1",
            usage,
            0.0012,
            250.0,
            1_796_385_600_000L,
            "tenant",
            null);
    String name = AnswerCodec.name("sb:", "exact-key");

    CachedAnswer opened =
        AnswerCodec.open("exact-key", name, AnswerCodec.seal("exact-key", name, answer));

    assertThat(opened).isNotNull();
    assertThat(opened.summary().usage()).isEqualTo(usage);
    assertThat(opened.usage()).isEqualTo(usage);
    assertThat(opened.summary().usage().reasoningTokens()).isEqualTo(64);
  }

  @Test
  void anAnswerFromTheSharedStoreKeepsItsCacheWriteTokens() {
    // Anthropic: 1000 input of which 200 cache reads and 500 cache writes (priced apart).
    TokenUsage usage = new TokenUsage(1000, 40, 200, 0, 500);
    CachedAnswer answer =
        new CachedAnswer(
            "{\"type\":\"message\"}".getBytes(StandardCharsets.UTF_8),
            new ReplySummary("claude-sonnet-4-5", null, "stop", false, usage),
            null,
            Operation.MESSAGES,
            null,
            "claude/claude-sonnet-4-5",
            "claude-sonnet-4-5",
            usage,
            0.0041,
            900.0,
            1_796_385_600_000L,
            "tenant",
            null);
    String name = AnswerCodec.name("sb:", "exact-key");

    CachedAnswer opened =
        AnswerCodec.open("exact-key", name, AnswerCodec.seal("exact-key", name, answer));

    assertThat(opened).isNotNull();
    assertThat(opened.usage().cacheWriteInputTokens()).isEqualTo(500);
    assertThat(opened.summary().usage().cacheWriteInputTokens()).isEqualTo(500);
    assertThat(opened.usage()).isEqualTo(usage);
    assertThat(opened.costUsd()).isEqualTo(0.0041);
  }

  /**
   * What the producing attempt was not sent (a Mistral target's dropped fields) survives the shared
   * store, so a hit from it says the same; a value of version 3, which lacks it, is a miss.
   */
  @Test
  void anAnswerFromTheSharedStoreKeepsWhatItsAttemptWasNotSent() {
    CachedAnswer answer =
        new CachedAnswer(
            new byte[] {'{', '}'},
            null,
            null,
            Operation.CHAT_COMPLETIONS,
            null,
            "mistral/mistral-small-latest",
            null,
            new TokenUsage(10, 2, 0, 0, 0),
            null,
            1.0,
            0L,
            null,
            null,
            java.util.List.of("user", "logprobs"));
    String name = AnswerCodec.name("sb:", "k");
    byte[] sealed = AnswerCodec.seal("k", name, answer);

    assertThat(AnswerCodec.open("k", name, sealed).unhonoured())
        .containsExactly("user", "logprobs");
    sealed[0] = 3; // the format version before the attempt's unhonoured parameters were kept
    assertThat(AnswerCodec.open("k", name, sealed)).isNull();
  }

  @Test
  void aValueOfAFormatWithoutCacheWriteTokensIsAMiss() {
    CachedAnswer answer =
        new CachedAnswer(
            new byte[] {'{', '}'},
            null,
            null,
            Operation.MESSAGES,
            null,
            null,
            null,
            new TokenUsage(10, 2, 0, 0, 5),
            null,
            1.0,
            0L,
            null,
            null);
    String name = AnswerCodec.name("sb:", "k");
    byte[] sealed = AnswerCodec.seal("k", name, answer);
    sealed[0] = 2; // the format version that kept reasoning tokens but no cache writes

    assertThat(AnswerCodec.open("k", name, sealed)).isNull();
  }

  @Test
  void aValueOfTheFormatWithoutReasoningTokensIsAMiss() {
    CachedAnswer answer =
        new CachedAnswer(
            new byte[] {'{', '}'},
            null,
            null,
            Operation.CHAT_COMPLETIONS,
            null,
            null,
            null,
            new TokenUsage(1, 2, 0, 1),
            null,
            1.0,
            0L,
            null,
            null);
    String name = AnswerCodec.name("sb:", "k");
    byte[] sealed = AnswerCodec.seal("k", name, answer);
    sealed[0] = 1; // the format version before reasoning tokens were kept

    assertThat(AnswerCodec.open("k", name, sealed)).isNull();
  }
}
