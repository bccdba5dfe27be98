package dev.switchboard.operator.rollout.metrics;

import java.net.URI;
import java.util.List;

/** Where the gateway replicas serving a namespace's table expose {@code /metrics}. */
public interface GatewayTargets {

  /** The metrics URLs of the ready gateway replicas for {@code namespace}; may be empty. */
  List<URI> metricsUrls(String namespace);

  /**
   * The metrics URLs of the gateway replicas of {@code namespace} that are shutting down (their pod
   * terminating): no longer ready, yet their admin port answers until they exit — a graceful
   * shutdown waits there for its last evaluation pairs to be read. None by default.
   */
  default List<URI> terminatingMetricsUrls(String namespace) {
    return List.of();
  }

  /** A fixed list of URLs for every namespace (local stack, tests, runs without EndpointSlices). */
  static GatewayTargets fixed(List<URI> urls) {
    List<URI> copy = List.copyOf(urls);
    return namespace -> copy;
  }
}
