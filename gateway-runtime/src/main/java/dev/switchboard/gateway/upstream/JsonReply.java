package dev.switchboard.gateway.upstream;

import io.vertx.core.buffer.Buffer;

/**
 * A successful non-streaming upstream answer: the bytes to forward and what they say.
 *
 * @param format the wire format {@code body} is in: the front door's own (passed through) or the
 *     internal one it was bridged through ({@link Operation#internal()})
 * @param bytes {@code body}'s bytes when they were already copied out of it (to be read), else
 *     null: whoever needs them as an array (the response cache's entry) takes these instead of
 *     copying again. Shared, so never written to.
 */
public record JsonReply(
    int status, Buffer body, ReplySummary summary, Operation format, byte[] bytes) {

  /** An answer whose bytes were not copied out of {@code body}. */
  public JsonReply(int status, Buffer body, ReplySummary summary, Operation format) {
    this(status, body, summary, format, null);
  }

  /** {@link #body}'s bytes: the copy already made, or a new one. */
  public byte[] bodyBytes() {
    return bytes != null ? bytes : body.getBytes();
  }
}
