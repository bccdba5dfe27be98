package dev.switchboard.gateway.frontdoor;

import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import io.vertx.core.buffer.Buffer;

/**
 * Writes one answered stream in the client's format, event by event: relays a passed-through
 * stream's payloads (adding the SSE framing its format wants) or re-shapes a bridged stream's facts
 * into the front door's own event sequence. One per stream; holds the stream's encoding state.
 */
public interface StreamEncoder {

  /**
   * What a content event becomes for the client.
   *
   * @return the bytes to write (one or several SSE events), or null when there is nothing to write
   *     yet
   */
  Buffer event(StreamEventFacts event);

  /** What ends a successful stream ({@code done} is the upstream's final event). */
  Buffer end(StreamEventFacts done);

  /** The one terminal event of a stream that failed after it started. */
  Buffer error(OpenAiError error);
}
