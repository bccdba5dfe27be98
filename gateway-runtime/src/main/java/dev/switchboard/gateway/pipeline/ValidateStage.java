package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.frontdoor.ChatForm;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.RoutingState;
import io.vertx.core.buffer.Buffer;

/**
 * Pins the routing snapshot the request runs on (503 while none is loaded, before the body is even
 * looked at) and has the front door decode and check the body (400 for what cannot be routed).
 */
public final class ValidateStage implements Stage {

  /**
   * The gateway's one limit for work on the event loop that grows with a body: request bodies above
   * it are parsed (and keyed for the cache) on a worker, and so are non-streamed answers above it
   * decoded ({@code UpstreamCaller}), reshaped by their front door and stored by the response
   * cache, and stored responses scrubbed ({@code ResponsesStateHandler}).
   */
  public static final int INLINE_PARSE_LIMIT = 256 * 1024;

  private final RoutingState state;

  public ValidateStage(RoutingState state) {
    this.state = state;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (snapshot == null) {
      throw new ApiException(OpenAiError.notReady());
    }
    exchange.ctx().snapshot(snapshot);
    Buffer raw = exchange.rawBody();
    if (OffLoop.needed(exchange)) {
      // Parsing megabytes of inline images would stall every request on this event loop; so
      // would copying them into the door's chat form, which is made there too.
      exchange.resumeWhen(
          OffLoop.run(
              exchange,
              () -> {
                ObjectNode body = exchange.frontDoor().decodeRequest(raw);
                return new Parsed(body, Exchange.toChat(exchange.frontDoor(), body));
              }),
          parsed -> {
            if (parsed.failed()) {
              exchange.fail(parsed.cause()); // a 400 for what cannot be routed, as inline
            } else {
              exchange.body(parsed.result().body(), parsed.result().chatForm());
            }
          });
      return false;
    }
    exchange.body(exchange.frontDoor().decodeRequest(raw));
    return true;
  }

  /** A large body parsed on a worker, with its chat form. */
  private record Parsed(ObjectNode body, ChatForm chatForm) {}
}
