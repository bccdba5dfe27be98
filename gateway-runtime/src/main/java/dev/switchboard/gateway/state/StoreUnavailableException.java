package dev.switchboard.gateway.state;

/** The shared store did not answer (down, unreachable or too slow); the outage policy decides. */
public final class StoreUnavailableException extends RuntimeException {

  private final boolean unsent;

  public StoreUnavailableException(String message) {
    this(message, false);
  }

  /**
   * @param unsent the command was never sent (the store was already marked down): nothing of it ran
   *     in Redis, unlike a command that missed its deadline or lost its connection
   */
  public StoreUnavailableException(String message, boolean unsent) {
    super(message, null, false, false);
    this.unsent = unsent;
  }

  /** Whether the command was never sent, so certainly did not run in Redis. */
  public boolean unsent() {
    return unsent;
  }
}
