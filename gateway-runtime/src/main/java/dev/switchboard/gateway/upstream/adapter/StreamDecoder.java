package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;

/** Decodes the events of one upstream stream in order; holds the stream's decoding state. */
public interface StreamDecoder {

  /**
   * The facts of the next event.
   *
   * @param firstParsed the event's parsed form when the caller already parsed it (the first event
   *     is checked before the attempt commits), else null
   * @return a facts object owned by the decoder and reused for the next event: read it before
   *     decoding the next one
   */
  StreamEventFacts decode(String data, JsonNode firstParsed);

  /**
   * The stream's end event when the upstream closed the stream without an end marker of its own and
   * that close is its normal end (Gemini sends no {@code [DONE]}: the close after a candidate with
   * a finish reason ends the answer); null when the close is a truncation. Called once, when the
   * upstream closed the stream before any {@link StreamEventFacts.Kind#DONE} event.
   */
  default StreamEventFacts atEnd() {
    return null;
  }
}
