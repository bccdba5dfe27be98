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
   * @throws Exception when no answer came (the request counts as failed)
   */
  Answer ask(String namespace, String route, String target, String prompt) throws Exception;

  /** No gateway to ask (operator tests without one): every request fails. */
  DriftClient NONE =
      (namespace, route, target, prompt) -> {
        throw new IllegalStateException("no gateway replica is known to the operator");
      };
}
