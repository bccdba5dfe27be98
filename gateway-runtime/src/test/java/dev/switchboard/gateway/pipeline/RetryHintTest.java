package dev.switchboard.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own wait on a refusal ({@link Exchange#retryHint}): to the millisecond and in whole
 * seconds, and past the 60 s the SDKs wait on their own (a token bucket deep in debt after a long
 * answer) with {@code x-should-retry: false}, so openai-java does not sleep it twice and the Node
 * SDK does not retry into it after half a second.
 */
class RetryHintTest {

  private static Map<String, String> hint(long waitMs) {
    Map<String, String> headers = new LinkedHashMap<>();
    Exchange.retryHint(headers::put, waitMs);
    return headers;
  }

  @Test
  void aWaitTheSdksTakeIsLeftToThem() {
    assertThat(hint(60_000))
        .containsExactly(Map.entry("retry-after-ms", "60000"), Map.entry("retry-after", "60"));
    assertThat(hint(0))
        .containsExactly(Map.entry("retry-after-ms", "1"), Map.entry("retry-after", "1"));
  }

  @Test
  void aLongerWaitTellsTheSdksNotToRetry() {
    assertThat(hint(60_001))
        .containsExactly(
            Map.entry("retry-after-ms", "60001"),
            Map.entry("retry-after", "61"),
            Map.entry("x-should-retry", "false"));
  }
}
