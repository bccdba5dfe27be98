package dev.switchboard.mock.sse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatStreamTranscriptTest {

  private static final String ROLE =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
  private static final String HELLO =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n";
  private static final String STOP =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  @Test
  void wellFormedStreamHasNoProblems() {
    ChatStreamTranscript t = ChatStreamTranscript.of(ROLE + HELLO + STOP + DONE);

    assertThat(t.isValid()).isTrue();
    assertThat(t.content()).isEqualTo("Hello");
    assertThat(t.finishReason()).isEqualTo("stop");
    assertThat(t.chunks()).hasSize(3);
  }

  @Test
  void missingDoneAndFinishReasonAreReported() {
    ChatStreamTranscript t = ChatStreamTranscript.of(ROLE + HELLO);

    assertThat(t.isTruncated()).isTrue();
    assertThat(t.problems())
        .containsExactly("stream ended without data: [DONE]", "no choice carried a finish_reason");
  }

  @Test
  void firstDeltaWithoutRoleIsReported() {
    assertThat(ChatStreamTranscript.of(HELLO + STOP + DONE).problems())
        .singleElement()
        .asString()
        .contains("role");
  }

  @Test
  void errorEventsNonJsonAndEventsAfterDoneAreReported() {
    ChatStreamTranscript t =
        ChatStreamTranscript.of(
            ROLE
                + "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"
                + "data: <html>\n\n"
                + DONE
                + HELLO);

    assertThat(t.error().path("message").asText()).isEqualTo("boom");
    assertThat(t.problems())
        .anySatisfy(p -> assertThat(p).startsWith("error event"))
        .anySatisfy(p -> assertThat(p).contains("not JSON"))
        .anySatisfy(p -> assertThat(p).startsWith("event after [DONE]"));
  }

  @Test
  void changingIdIsReported() {
    String other = HELLO.replace("\"c1\"", "\"c2\"");

    assertThat(ChatStreamTranscript.of(ROLE + other + STOP + DONE).problems())
        .singleElement()
        .asString()
        .contains("changes id");
  }
}
