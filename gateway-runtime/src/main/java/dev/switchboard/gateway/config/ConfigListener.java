package dev.switchboard.gateway.config;

import java.util.Map;

/** Receives what a {@link ConfigSource} reads. Implementations are thread-safe. */
public interface ConfigListener {

  /**
   * A routing-table document was read (possibly unchanged or invalid: the listener validates).
   *
   * @param origin where it came from, for logs (a file path, {@code configmap/ns/name})
   */
  void onRoutingDocument(byte[] json, String origin);

  /** The complete current set of provider keys, by provider name. */
  void onProviderKeys(Map<String, String> keys, String origin);

  /**
   * The consumer table ({@code switchboard-consumer-keys}: consumers with hashes of their keys) was
   * read. Listeners that do not enforce consumers ignore it.
   */
  default void onConsumerTable(byte[] json, String origin) {}
}
