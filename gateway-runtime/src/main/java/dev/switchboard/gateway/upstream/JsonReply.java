package dev.switchboard.gateway.upstream;

import io.vertx.core.buffer.Buffer;

/**
 * A successful non-streaming upstream answer: the bytes to forward and what they say.
 *
 * @param format the wire format {@code body} is in: the front door's own (passed through) or the
 *     internal one it was bridged through ({@link Operation#internal()})
 */
public record JsonReply(int status, Buffer body, ReplySummary summary, Operation format) {}
