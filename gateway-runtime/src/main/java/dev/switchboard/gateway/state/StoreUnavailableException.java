package dev.switchboard.gateway.state;

/** The shared store did not answer (down, unreachable or too slow); the outage policy decides. */
public final class StoreUnavailableException extends RuntimeException {

  public StoreUnavailableException(String message) {
    super(message, null, false, false);
  }
}
