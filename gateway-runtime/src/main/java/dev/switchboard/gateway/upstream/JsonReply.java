package dev.switchboard.gateway.upstream;

import io.vertx.core.buffer.Buffer;

/** A successful non-streaming upstream answer: the raw bytes to forward and what they say. */
public record JsonReply(int status, Buffer body, ReplySummary summary) {}
