package dev.switchboard.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {

  private final List<String> events = new ArrayList<>();
  private final SseDecoder decoder = new SseDecoder(events::add);

  @Test
  void decodesEventsSplitAtEveryPossibleByte() {
    String stream =
        ": keep-alive comment\n"
            + "data: {\"a\":1}\n\n"
            + "event: ignored\r\ndata: {\"b\":\"ü€\"}\r\n\r\n"
            + "data: [DONE]\n\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int split = 0; split <= bytes.length; split++) {
      events.clear();
      SseDecoder d = new SseDecoder(events::add);
      d.feed(java.util.Arrays.copyOfRange(bytes, 0, split));
      d.feed(java.util.Arrays.copyOfRange(bytes, split, bytes.length));
      assertThat(events)
          .as("split at %d", split)
          .containsExactly("{\"a\":1}", "{\"b\":\"ü€\"}", "[DONE]");
    }
  }

  @Test
  void joinsMultiLineDataAndAcceptsBareCarriageReturns() {
    decoder.feed("data: line1\rdata:line2\r\r".getBytes(StandardCharsets.UTF_8));
    assertThat(events).containsExactly("line1\nline2");
  }

  @Test
  void ignoresOneLeadingByteOrderMarkSplitAnywhere() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] text = "data: {\"a\":1}\n\n".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[bom.length + text.length];
    System.arraycopy(bom, 0, bytes, 0, bom.length);
    System.arraycopy(text, 0, bytes, bom.length, text.length);
    for (int split = 0; split <= bom.length + 1; split++) {
      events.clear();
      SseDecoder d = new SseDecoder(events::add);
      d.feed(java.util.Arrays.copyOfRange(bytes, 0, split));
      d.feed(java.util.Arrays.copyOfRange(bytes, split, bytes.length));
      d.feed(bytes); // a mark past the stream's start is not skipped: that line is no data field
      assertThat(events).as("split at %d", split).containsExactly("{\"a\":1}");
    }
  }

  @Test
  void emitsNoEventForAnEmptyDataField() {
    decoder.feed("data:\n\ndata: \n\ndata\n\ndata: {\"a\":1}\n\n".getBytes(StandardCharsets.UTF_8));
    assertThat(events).containsExactly("{\"a\":1}");
  }

  @Test
  void reportsAnUnfinishedEvent() {
    decoder.feed("data: {\"partial\"".getBytes(StandardCharsets.UTF_8));
    assertThat(events).isEmpty();
    assertThat(decoder.hasPartialEvent()).isTrue();
    decoder.feed(":}\n\n".getBytes(StandardCharsets.UTF_8));
    assertThat(events).containsExactly("{\"partial\":}");
    assertThat(decoder.hasPartialEvent()).isFalse();
  }

  /**
   * A stream's last event without its blank line, as some OpenAI-compatible servers end their body:
   * whole, it is emitted at the close (with or without its line end, whatever line end it has); cut
   * short, it is not, and the stream stays unfinished.
   */
  @Test
  void emitsAWholeLastEventAtTheCloseThoughItsBlankLineIsMissing() {
    for (String tail :
        List.of(
            "data: [DONE]\n",
            "data: [DONE]",
            "data: [DONE]\r\n",
            "data: [DONE]\r",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n",
            "data: {\"type\":\ndata: \"message_stop\"}")) {
      events.clear();
      SseDecoder d = new SseDecoder(events::add);
      d.feed(("data: {\"a\":1}\n\n" + tail).getBytes(StandardCharsets.UTF_8));
      assertThat(events).as(tail).containsExactly("{\"a\":1}");
      d.finish();
      assertThat(events).as(tail).hasSize(2).first().isEqualTo("{\"a\":1}");
      assertThat(events.get(1).replace("\n", ""))
          .as(tail)
          .isIn("[DONE]", "{\"type\":\"message_stop\"}");
      assertThat(d.hasPartialEvent()).as(tail).isFalse();
    }
  }

  @Test
  void leavesACutLastEventOutAtTheClose() {
    for (String tail :
        List.of(
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hel",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\n",
            "data: {\"a\":\n",
            "data: [DON",
            "data: {\"a\":1}{\"b\":",
            "data: {\"a\":1} {\"b\":2}\n",
            "data: 42\n")) {
      events.clear();
      SseDecoder d = new SseDecoder(events::add);
      d.feed(("data: {\"a\":1}\n\n" + tail).getBytes(StandardCharsets.UTF_8));
      d.finish();
      assertThat(events).as(tail).containsExactly("{\"a\":1}");
      assertThat(d.hasPartialEvent()).as(tail).isTrue();
    }
  }

  @Test
  void aCloseAfterAWholeEventOrAKeepAliveEmitsNothingMore() {
    decoder.feed("data: {\"a\":1}\n\n: comment\ndata:\n".getBytes(StandardCharsets.UTF_8));
    decoder.finish();
    assertThat(events).containsExactly("{\"a\":1}");
    assertThat(decoder.hasPartialEvent()).isFalse();
  }

  @Test
  void refusesUnboundedLines() {
    byte[] chunk = new byte[1024 * 1024];
    java.util.Arrays.fill(chunk, (byte) 'x');
    assertThatThrownBy(
            () -> {
              for (int i = 0; i <= SseDecoder.MAX_LINE_BYTES / chunk.length; i++) {
                decoder.feed(chunk);
              }
            })
        .isInstanceOf(IllegalStateException.class);
  }
}
