package dev.switchboard.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class LineKeyScrubberTest {

  private static final String KEY = "sk-proj-Zx9QrT7mWv2LpK8sNb4YhGc6JdF1eAu3";

  private static final String EVENT =
      "event: response.output_text.delta\n"
          + "data: {\"delta\":\"You called me with Bearer "
          + KEY
          + "\"}\n\n";

  /** Every cut of an event into two reads, the key's own positions included. */
  @Test
  void aKeySplitAtAnyByteAcrossTwoReadsNeverGetsThrough() {
    String expected = EVENT.replace(KEY, KeyScrubber.MARKER);
    for (int cut = 1; cut < EVENT.length(); cut++) {
      LineKeyScrubber lines = new LineKeyScrubber(KeyScrubber.forKey(KEY));
      Buffer out = Buffer.buffer();
      out.appendBuffer(lines.feed(Buffer.buffer(EVENT.substring(0, cut))));
      String firstRead = out.toString();
      out.appendBuffer(lines.feed(Buffer.buffer(EVENT.substring(cut))));
      out.appendBuffer(lines.finish());

      assertThat(firstRead).as("cut at %d", cut).doesNotContain(KEY.substring(0, 12));
      assertThat(out.toString()).as("cut at %d", cut).isEqualTo(expected);
    }
  }

  /** An event is let through as soon as its lines are complete: nothing waits for the next one. */
  @Test
  void completeLinesGoOutAtOnceAndOnlyTheUnfinishedOneWaits() {
    LineKeyScrubber lines = new LineKeyScrubber(KeyScrubber.forKey(KEY));

    assertThat(lines.feed(Buffer.buffer(EVENT + "event: resp")).toString())
        .isEqualTo(EVENT.replace(KEY, KeyScrubber.MARKER));
    assertThat(lines.feed(Buffer.buffer("onse.completed\r\n")).toString())
        .isEqualTo("event: response.completed\r\n");
    assertThat(lines.feed(Buffer.buffer("data: " + KEY.substring(0, 6))).length()).isZero();
    assertThat(lines.finish().toString()).isEqualTo("data: " + KEY.substring(0, 6));
  }

  @Test
  void anUnfinishedLinePastTheBoundIsRefused() {
    LineKeyScrubber lines = new LineKeyScrubber(KeyScrubber.forKey(KEY), 64);
    lines.feed(Buffer.buffer("data: " + "x".repeat(50)));

    assertThatThrownBy(() -> lines.feed(Buffer.buffer("x".repeat(20))))
        .isInstanceOf(LineKeyScrubber.LineTooLong.class);
  }

  @Test
  void withoutAKeyTheBytesPassUnheld() {
    LineKeyScrubber lines = new LineKeyScrubber(KeyScrubber.NONE);

    assertThat(lines.feed(Buffer.buffer("data: {\"x\"")).toString()).isEqualTo("data: {\"x\"");
  }
}
