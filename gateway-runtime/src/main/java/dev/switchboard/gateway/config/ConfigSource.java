package dev.switchboard.gateway.config;

import io.vertx.core.Future;

/**
 * Where the routing table and provider keys come from: files (standalone) or the Kubernetes API. A
 * source delivers the current state once started and every change afterwards.
 */
public interface ConfigSource {

  /**
   * Starts watching; completes once the first read was attempted (a table may still be missing).
   */
  Future<Void> start(ConfigListener listener);

  /** Stops watching and releases resources. */
  Future<Void> close();
}
