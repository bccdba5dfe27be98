package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the upstream SSE decoder: arbitrary bytes, split at arbitrary points, never make it throw
 * (lines stay far below its size cap here), and the events decoded are the same however the bytes
 * were fragmented — the network decides the fragmentation, so the result must not depend on it —,
 * and so is what the close adds. Runs the committed corpus in plain {@code mvn test}.
 */
class SseDecoderFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void fragmentationDoesNotChangeEvents(FuzzedDataProvider data) {
    int cuts = data.consumeInt(0, 16);
    int[] positions = new int[cuts];
    for (int i = 0; i < cuts; i++) {
      positions[i] = data.consumeInt(0, 4096);
    }
    byte[] bytes = data.consumeRemainingAsBytes();

    List<String> whole = new ArrayList<>();
    SseDecoder one = new SseDecoder(whole::add);
    one.feed(bytes);

    List<String> pieces = new ArrayList<>();
    SseDecoder many = new SseDecoder(pieces::add);
    int[] sorted = Arrays.stream(positions).map(p -> Math.min(p, bytes.length)).sorted().toArray();
    int from = 0;
    for (int cut : sorted) {
      many.feed(Arrays.copyOfRange(bytes, from, cut));
      from = cut;
    }
    many.feed(Arrays.copyOfRange(bytes, from, bytes.length));

    assertThat(pieces).isEqualTo(whole);
    assertThat(many.hasPartialEvent()).isEqualTo(one.hasPartialEvent());
    // The close is the same however the bytes came: a whole last event is emitted, a cut one not.
    one.finish();
    many.finish();
    assertThat(pieces).isEqualTo(whole);
    assertThat(many.hasPartialEvent()).isEqualTo(one.hasPartialEvent());
    for (String event : whole) {
      assertThat(event).doesNotContain("\r");
    }
  }
}
