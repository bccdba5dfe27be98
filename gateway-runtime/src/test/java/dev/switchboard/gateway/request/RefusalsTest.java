package dev.switchboard.gateway.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RefusalsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static boolean refusal(String choice) throws Exception {
    return Refusals.isRefusal(JSON.readTree(choice));
  }

  @Test
  void recognisesContentFilterAndRefusalFields() throws Exception {
    assertThat(refusal("{\"finish_reason\":\"content_filter\",\"message\":{\"content\":\"\"}}"))
        .isTrue();
    assertThat(
            refusal(
                "{\"finish_reason\":\"stop\",\"message\":{\"content\":null,"
                    + "\"refusal\":\"I can't help with that.\"}}"))
        .isTrue();
    assertThat(refusal("{\"index\":0,\"delta\":{\"refusal\":\"I can't\"}}")).isTrue();
  }

  @Test
  void recognisesAPlainTextRefusalInTheMessageContent() throws Exception {
    assertThat(
            refusal(
                "{\"finish_reason\":\"stop\",\"message\":{\"content\":"
                    + "\"I'm sorry, but I can't help with that.\",\"refusal\":null}}"))
        .isTrue();
    assertThat(refusal("{\"message\":{\"content\":\"抱歉，我无法协助完成这个请求。\"}}")).isTrue();
    assertThat(Refusals.isTextRefusal("Je ne peux pas vous aider avec cette demande.")).isTrue();
  }

  @Test
  void aStreamedDeltaIsNeverJudgedAsText() throws Exception {
    // A chunk holds a fragment of the answer; the stream's opening is judged once, at its end.
    assertThat(refusal("{\"delta\":{\"content\":\"I can't help with that.\"}}")).isFalse();
  }

  @Test
  void ordinaryAnswersAreNotRefusals() throws Exception {
    assertThat(
            refusal(
                "{\"finish_reason\":\"stop\",\"message\":{\"content\":\"hi\",\"refusal\":null}}"))
        .isFalse();
    assertThat(refusal("{\"delta\":{\"content\":\"hi\",\"refusal\":\"\"}}")).isFalse();
    assertThat(refusal("{\"finish_reason\":\"length\"}")).isFalse();
    assertThat(
            refusal("{\"message\":{\"content\":\"You can't divide by zero, so check it first.\"}}"))
        .isFalse();
    assertThat(refusal("{\"message\":{\"content\":[\"I can't help with that.\"]}}")).isFalse();
    assertThat(Refusals.isRefusal(null)).isFalse();
  }
}
