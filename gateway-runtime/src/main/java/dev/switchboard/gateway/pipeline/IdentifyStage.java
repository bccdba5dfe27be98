package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.request.Caller;

/**
 * Identifies the caller from its credentials and headers ({@link Caller}): the identity admission
 * keys client rate limits on. Nothing is hashed until a limit asks. Consumer keys (milestone 2)
 * authenticate here: an unknown key ends the request with 401 before any route is looked at.
 */
public final class IdentifyStage implements Stage {

  @Override
  public boolean forward(Exchange exchange) {
    exchange.caller(new Caller(exchange.headers()));
    return true;
  }
}
