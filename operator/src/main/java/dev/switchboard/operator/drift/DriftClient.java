package dev.switchboard.operator.drift;

/**
 * Sends one drift prompt to one target of a route, through the gateway (so the gateway's keys,
 * adapters, limits and the route's deterministic settings apply).
 */
public interface DriftClient {

  /**
   * The temperature every drift request is sent at: the least sampling a provider offers, so that
   * answers are as repeatable as the provider makes them (a seed alone does not make a provider
   * that honours none repeatable).
   */
  double TEMPERATURE = 0.0;

  /** One answer and what served it. */
  record Answer(String text, String modelVersion, String fingerprint) {}

  /**
   * Asks {@code target} ({@code provider/model}) of {@code route} in {@code namespace}.
   *
   * @param configVersion the version of the published routing table the route and target were taken
   *     from (null: not known); a replica that refuses the route or target while it serves another
   *     table has not loaded that one, which is no answer about the target
   * @throws NoGatewayException when no gateway replica took the request, or none that has loaded
   *     the table {@code configVersion} names: it says nothing about the target, and the attempt it
   *     belongs to is no run
   * @throws Exception when no answer came otherwise (the request counts as the target's failure)
   */
  Answer ask(String namespace, String route, String target, String prompt, String configVersion)
      throws Exception;

  /** No gateway to ask (operator tests without one): every request fails for want of one. */
  DriftClient NONE =
      (namespace, route, target, prompt, configVersion) -> {
        throw new NoGatewayException("no gateway replica is known to the operator");
      };

  /**
   * No gateway replica took the request: none serves the namespace (at install, during a rollout),
   * or each one listed refused the connection, has loaded no routing table, or refused the route or
   * target from another table than the published one the request was planned from (it has not
   * loaded that table yet). The instrument is missing or not ready, not the target failing, so an
   * attempt with such a failure measured nothing it can keep: a target asked before the gateway (or
   * its table) was there would look unanswered next to one asked after (no baseline for it, "no
   * answer" in a recorded run), when it was never asked at all.
   */
  final class NoGatewayException extends Exception {

    private static final long serialVersionUID = 1L;

    public NoGatewayException(String message) {
      super(message);
    }
  }
}
