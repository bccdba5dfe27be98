package dev.switchboard.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;

/** A successful non-streaming upstream answer: the raw bytes to forward and their parsed form. */
public record JsonReply(int status, Buffer body, JsonNode json) {}
