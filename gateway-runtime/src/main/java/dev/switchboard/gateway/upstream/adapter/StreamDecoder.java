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
}
