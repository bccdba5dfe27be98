package dev.switchboard.mock.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

  @Test
  void blankLinesSeparateEventsAndOneLeadingSpaceIsStripped() {
    List<SseEvent> events =
        SseParser.parseAll("data: {\"a\":1}\n\ndata:{\"b\":2}\n\ndata: [DONE]\n\n");

    assertThat(events)
        .extracting(SseEvent::data)
        .containsExactly("{\"a\":1}", "{\"b\":2}", "[DONE]");
    assertThat(events.get(2).isDone()).isTrue();
  }

  @Test
  void crlfAndCrLineEndingsWork() {
    assertThat(SseParser.parseAll("data: a\r\n\r\ndata: b\r\rdata: c\n\n"))
        .extracting(SseEvent::data)
        .containsExactly("a", "b", "c");
  }

  @Test
  void multipleDataLinesJoinWithNewlineAndCommentsAreIgnored() {
    List<SseEvent> events =
        SseParser.parseAll(
            ": keep-alive\nevent: message\nid: 7\ndata: one\ndata:  two\nretry: 10\n\n");

    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.data()).isEqualTo("one\n two");
              assertThat(e.event()).isEqualTo("message");
              assertThat(e.id()).isEqualTo("7");
            });
  }

  @Test
  void eventsWithoutDataAreNotDispatched() {
    assertThat(SseParser.parseAll("event: ping\n\n: comment\n\n")).isEmpty();
  }

  @Test
  void bytesSplitAnywhereEvenInsideUtf8() {
    byte[] all = "data: gr\u00fc\u00df \u20ac\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    SseParser parser = new SseParser();
    List<SseEvent> events = new ArrayList<>();
    for (byte b : all) {
      events.addAll(parser.feed(new byte[] {b}));
    }

    assertThat(events)
        .extracting(SseEvent::data)
        .containsExactly("gr\u00fc\u00df \u20ac", "[DONE]");
    assertThat(parser.hasIncompleteEvent()).isFalse();
  }

  @Test
  void aStreamEndingInsideAnEventIsIncomplete() {
    SseParser cutInLine = new SseParser();
    cutInLine.feed("data: {\"a\":1}\n\ndata: {\"b\"");
    SseParser cutBeforeBlankLine = new SseParser();
    List<SseEvent> events = cutBeforeBlankLine.feed("data: {\"a\":1}\n");

    assertThat(cutInLine.hasIncompleteEvent()).isTrue();
    assertThat(events).isEmpty();
    assertThat(cutBeforeBlankLine.hasIncompleteEvent()).isTrue();
  }
}
