package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.buffer.Buffer;

/**
 * The API a client speaks on one path (chat completions and embeddings today; Responses and
 * Anthropic Messages later): turns the client's request into the gateway's internal request (an
 * OpenAI-shaped body, which upstream adapters encode for their provider) and the gateway's answers,
 * stream events and errors back into the client's format. Stateless and shared.
 */
public interface FrontDoor {

  /** The operation requests through this door perform. */
  Operation operation();

  /**
   * Parses and checks a client body: only what the gateway needs to route and stream correctly.
   *
   * @throws dev.switchboard.gateway.http.ApiException (400) when it cannot be routed
   */
  ObjectNode decodeRequest(Buffer raw);

  /** The logical model name the client asked for. */
  String model(ObjectNode request);

  /** Whether the client asked for a stream. */
  boolean wantsStream(ObjectNode request);

  /**
   * Makes the upstream report usage on a stream, so tokens and cost are measured.
   *
   * @return true when the client did not ask for usage, so it must be hidden from the client
   */
  boolean askForUsage(ObjectNode request);

  /** The client's body of a JSON answer: the upstream's bytes as they are where formats match. */
  Buffer encodeReply(JsonReply reply);

  /** One relayed stream event ({@code payload} as the upstream adapter relays it). */
  Buffer encodeStreamEvent(String payload);

  /** The event that ends a successful stream. */
  Buffer encodeStreamEnd();

  /** The body of an error answer. */
  Buffer encodeError(OpenAiError error);

  /** The one terminal event of a stream that failed after it started. */
  Buffer encodeStreamError(OpenAiError error);
}
