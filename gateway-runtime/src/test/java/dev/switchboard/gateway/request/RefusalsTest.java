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
  void ordinaryAnswersAreNotRefusals() throws Exception {
    assertThat(
            refusal(
                "{\"finish_reason\":\"stop\",\"message\":{\"content\":\"hi\",\"refusal\":null}}"))
        .isFalse();
    assertThat(refusal("{\"delta\":{\"content\":\"hi\",\"refusal\":\"\"}}")).isFalse();
    assertThat(refusal("{\"finish_reason\":\"length\"}")).isFalse();
    assertThat(Refusals.isRefusal(null)).isFalse();
  }
}
