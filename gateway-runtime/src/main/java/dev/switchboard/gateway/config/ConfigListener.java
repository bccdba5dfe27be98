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

  /**
   * A new routing table was published but cannot be turned into a document (a compressed key that
   * is not gzip, an unknown encoding, too many shards, expansion past the limit, shards still
   * incomplete or unreadable after the retries): the listener counts it as rejected, exactly like
   * an invalid document, and keeps the table it has.
   *
   * @param problem what is wrong, for the reload result and logs
   */
  void onRoutingUnreadable(String origin, String problem);

  /** The complete current set of provider keys, by provider name. */
  void onProviderKeys(Map<String, String> keys, String origin);

  /**
   * The consumer table ({@code switchboard-consumer-keys}: consumers with hashes of their keys) was
   * read. Listeners that do not enforce consumers ignore it.
   */
  default void onConsumerTable(byte[] json, String origin) {}
}
