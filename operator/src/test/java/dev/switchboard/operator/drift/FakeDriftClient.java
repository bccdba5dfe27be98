package dev.switchboard.operator.drift;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in for a provider behind the gateway (the same prompt always gives the same
 * answer, as the mock provider's deterministic mode), with the drift a test injects: changed
 * answers for some prompts, another fingerprint or model version. Counts requests and the most in
 * flight at once.
 */
final class FakeDriftClient implements DriftClient {

  final Set<String> changedPrompts = ConcurrentHashMap.newKeySet();
  final Set<String> failingTargets = ConcurrentHashMap.newKeySet();

  /** Targets whose requests find no gateway replica (it vanished while the run went on). */
  final Set<String> noGatewayTargets = ConcurrentHashMap.newKeySet();

  /** While set, every request fails with this message (the gateway is down or not serving). */
  volatile String outage;

  volatile String fingerprint = "fp_1";

  /**
   * The targets the gateway serves for the route; when not empty, any other target is refused as
   * the admin drift endpoint refuses a target the route cannot reach (400).
   */
  final Set<String> served = ConcurrentHashMap.newKeySet();

  /**
   * Routes the gateway's table does not hold (never published): their requests are answered 404 as
   * the gateway answers a model it has no route for.
   */
  final Set<String> unknownRoutes = ConcurrentHashMap.newKeySet();

  /**
   * Targets whose answers vary from one request to the next (a provider that honours no seed):
   * every answer is a new random text.
   */
  final Set<String> noisyTargets = ConcurrentHashMap.newKeySet();

  /** Every target asked, in no particular order. */
  final Set<String> asked = ConcurrentHashMap.newKeySet();

  /** Another fingerprint for some targets ({@code provider/model}) only. */
  final java.util.Map<String, String> fingerprintsByTarget = new ConcurrentHashMap<>();

  volatile String version = "model-2026-01-01";
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();

  @Override
  public Answer ask(
      String namespace, String route, String target, String prompt, String configVersion)
      throws Exception {
    requests.incrementAndGet();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      Thread.sleep(2); // long enough for requests to overlap when the pool lets them
      String down = outage;
      if (down != null) {
        throw new IllegalStateException(down);
      }
      if (noGatewayTargets.contains(target)) {
        throw new NoGatewayException("no gateway replica of namespace " + namespace + " took it");
      }
      asked.add(target);
      if (unknownRoutes.contains(route)) {
        throw new IllegalStateException(
            "gateway answered HTTP 404: The model '"
                + route
                + "' does not exist or you do not have access to it.");
      }
      if (!served.isEmpty() && !served.contains(target)) {
        throw new IllegalStateException(
            "gateway answered HTTP 400: The route '" + route + "' has no target '" + target + "'.");
      }
      if (failingTargets.contains(target)) {
        throw new IllegalStateException("HTTP 503");
      }
      String text =
          noisyTargets.contains(target)
              ? "Sampled " + java.util.UUID.randomUUID() + " " + java.util.UUID.randomUUID()
              : changedPrompts.contains(prompt)
                  ? "After a silent model update the answer reads differently: "
                      + new StringBuilder(prompt).reverse()
                  : "Echo from " + target + ": " + prompt + " (seed 42)";
      return new Answer(text, version, fingerprintsByTarget.getOrDefault(target, fingerprint));
    } finally {
      inFlight.decrementAndGet();
    }
  }
}
