package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AnswerTextTest {

  private static long chat(String json) {
    return AnswerText.chars(json.getBytes(StandardCharsets.UTF_8), Operation.CHAT_COMPLETIONS);
  }

  @Test
  void vllmMessageWithBothReasoningFieldsCountsTheReasoningOnce() {
    // Some vLLM versions send the same reasoning under both names; a stream counts it once.
    long both =
        chat(
            """
            {"choices":[{"index":0,"message":{"role":"assistant","content":"Paris.",
             "reasoning_content":"The capital is Paris","reasoning":"The capital is Paris"}}]}
            """);
    assertThat(both).isEqualTo("Paris.".length() + "The capital is Paris".length());
  }

  @Test
  void reasoningAloneIsCountedUnderEitherName() {
    assertThat(
            chat(
                """
                {"choices":[{"message":{"content":"ok","reasoning":"think"}}]}
                """))
        .isEqualTo(7);
    assertThat(
            chat(
                """
                {"choices":[{"message":{"content":"ok","reasoning_content":"think"}}]}
                """))
        .isEqualTo(7);
  }

  @Test
  void reasoningContentWinsOverADifferentReasoningAsInAStream() {
    // A stream's delta counts reasoning_content, else reasoning: the whole answer does the same.
    assertThat(
            chat(
                """
                {"choices":[{"message":{"content":"","reasoning_content":"ab","reasoning":"abcdef"}}]}
                """))
        .isEqualTo(2);
  }

  @Test
  void toolCallFieldsNamedLikeReasoningAreNotTheMessagesReasoning() {
    // Only the message's own fields are its reasoning; a tool call's name and arguments still
    // count.
    assertThat(
            chat(
                """
                {"choices":[{"message":{"reasoning_content":"r","tool_calls":[{"id":"c1",
                 "type":"function","function":{"name":"f","arguments":"{}"}}]}}]}
                """))
        .isEqualTo(1 + 1 + 2);
  }
}
