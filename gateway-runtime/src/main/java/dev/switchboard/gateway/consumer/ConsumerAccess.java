package dev.switchboard.gateway.consumer;

import dev.switchboard.contract.ConsumerTable;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live consumer directory of this replica. A new consumer table replaces it at once (so a
 * revoked key is refused as soon as the table arrives); a table that cannot be read is reported and
 * the last good directory stays in force. Thread-safe: config sources call in from their threads.
 */
public final class ConsumerAccess {

  private static final Logger LOG = LoggerFactory.getLogger(ConsumerAccess.class);

  private final boolean forceRequired;
  private final List<String> adminKeySha256;
  private final AtomicReference<ConsumerDirectory> current;
  private volatile Consumer<ConsumerDirectory> onChange = d -> {};

  /**
   * @param forceRequired require a consumer key even while no Consumer exists (gateway flag)
   */
  public ConsumerAccess(boolean forceRequired) {
    this(forceRequired, List.of());
  }

  /**
   * @param forceRequired require a consumer key even while no Consumer exists (gateway flag)
   * @param adminKeySha256 hex SHA-256 of the admin keys the gateway flag names: accepted on the
   *     admin port beside the operator's credential, and enough to close it without a table
   */
  public ConsumerAccess(boolean forceRequired, List<String> adminKeySha256) {
    this.forceRequired = forceRequired;
    this.adminKeySha256 = List.copyOf(adminKeySha256);
    this.current =
        new AtomicReference<>(
            forceRequired || !adminKeySha256.isEmpty()
                ? ConsumerDirectory.of(
                    new ConsumerTable(ConsumerTable.SCHEMA_VERSION, null),
                    forceRequired,
                    this.adminKeySha256)
                : ConsumerDirectory.open());
  }

  /** The directory requests are checked against now. */
  public ConsumerDirectory directory() {
    return current.get();
  }

  /** Called with every directory that comes into force. */
  public void onChange(Consumer<ConsumerDirectory> listener) {
    this.onChange = listener;
  }

  /**
   * A consumer table was read.
   *
   * @return whether it came into force
   */
  public boolean onConsumerTable(byte[] json, String origin) {
    ConsumerTable table;
    try {
      table = ConsumerTable.parse(json);
    } catch (IllegalArgumentException e) {
      LOG.error("{}: {}; keeping the current consumer keys", origin, e.getMessage());
      return false;
    }
    ConsumerDirectory directory = ConsumerDirectory.of(table, forceRequired, adminKeySha256);
    current.set(directory);
    LOG.info(
        "{}: {} consumer(s) loaded; API keys {}",
        origin,
        directory.size(),
        directory.required() ? "required" : "not required");
    if (!directory.sharingAKey().isEmpty()) {
      // Names only: the key's hash is as secret here as anywhere.
      LOG.warn(
          "{}: consumers {} hold a key another consumer holds too; that key is refused for each"
              + " until each has its own",
          origin,
          directory.sharingAKey());
    }
    onChange.accept(directory);
    return true;
  }
}
