package dev.switchboard.gateway.upstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.gateway.security.KeyScrubber;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.ReplySummary;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the non-streamed upstream reply path as {@code UpstreamCaller} runs it: the provider key
 * is scrubbed from the bytes, then the OpenAI adapter's {@code decodeReply} reads them. Whatever
 * the bytes, the key (and its identifying prefix) is gone and the reader either summarises the
 * answer or refuses it as a {@link ReplySummary.BadReply} — no other exception escapes to the event
 * loop. Runs the committed corpus (resources {@code ReplyFuzzTestInputs/}) in plain {@code mvn
 * test}; set {@code JAZZER_FUZZ=1} to fuzz for real.
 */
class ReplyFuzzTest {

  private static final String KEY = "sk-proj-Zx9QrT7mWv2LpK8sNb4YhGc6JdF1eAu3";
  private static final KeyScrubber SCRUBBER = KeyScrubber.forKey(KEY);
  private static final byte[] PREFIX = KEY.substring(0, 16).getBytes(StandardCharsets.UTF_8);
  private static final UpstreamAdapter ADAPTER = new OpenAiAdapter();

  @FuzzTest(maxDuration = "30s")
  void repliesAreScrubbedThenReadOrRefused(byte[] body) {
    byte[] clean = SCRUBBER.scrub(body);
    assertThat(indexOf(clean, PREFIX)).as("key prefix left in the reply").isEqualTo(-1);
    for (Operation op : Operation.values()) {
      try {
        assertThat(ADAPTER.decodeReply(clean, op)).isNotNull();
      } catch (ReplySummary.BadReply refused) {
        assertThat(refused.getMessage()).isNotBlank();
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
