package dev.switchboard.gateway.responses;

/**
 * Where a Responses API response lives: the provider and target that produced it, and whether that
 * provider holds it (passed through to a Responses-native provider with storage on) or nobody does
 * (bridged through chat completions, or {@code store: false}).
 *
 * @param provider the ProviderEndpoint name
 * @param targetId the target ({@code PlannedTarget.id()}) that answered
 * @param stored the provider keeps the response: follow-ups and the state endpoints can use it
 * @param consumer the consumer whose request produced it (null when no consumer key was required):
 *     only that consumer may read, continue or delete it, since every consumer's responses live in
 *     the gateway's one account at the provider
 */
public record ResponseLocation(String provider, String targetId, boolean stored, String consumer) {

  /** A response no consumer owns. */
  public ResponseLocation(String provider, String targetId, boolean stored) {
    this(provider, targetId, stored, null);
  }

  /**
   * Whether a request of {@code caller} (a consumer's name, null when keys are not required) may
   * use this response: its own, one no consumer owns, or any while access is open.
   */
  public boolean visibleTo(String caller) {
    return caller == null || consumer == null || consumer.equals(caller);
  }
}
