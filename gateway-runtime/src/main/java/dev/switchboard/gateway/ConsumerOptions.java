package dev.switchboard.gateway;

import dev.switchboard.gateway.state.RedisStateStore;
import java.nio.file.Path;

/**
 * How a gateway knows its consumers and where it counts their limits.
 *
 * @param consumersFile the consumer table (file mode; in Kubernetes mode the Secret {@code
 *     switchboard-consumer-keys} is watched instead); null: none
 * @param requireKeys require a consumer key on every API request even while no Consumer exists
 * @param stateStore {@code redis://host:port[/db]} or {@code rediss://…} (TLS); null: count per
 *     replica. Never logged, since it may carry a password.
 * @param stateStorePassword the store's password (from a Secret through the environment); null:
 *     none or the one in the URI
 * @param stateStoreCaFile a PEM CA bundle to trust for {@code rediss://}; null: the JVM's trust
 *     store
 * @param stateStorePrefix put in front of every key; null: {@link #stateStorePrefixIn the default}
 *     of the gateway's namespace, so the gateways of several namespaces may share one Redis
 * @param stateStoreTimeoutMs the longest a request waits for one command of the store; a command
 *     that takes longer marks the store down for a second (outage policies apply meanwhile)
 */
public record ConsumerOptions(
    Path consumersFile,
    boolean requireKeys,
    String stateStore,
    String stateStorePassword,
    String stateStoreCaFile,
    String stateStorePrefix,
    long stateStoreTimeoutMs) {

  /** What every key in the state store starts with, before the namespace (file mode: alone). */
  public static final String DEFAULT_STATE_STORE_PREFIX = "switchboard:";

  /**
   * No consumers file, keys required only once a Consumer exists, no shared store, the default key
   * prefix.
   */
  public static ConsumerOptions defaults() {
    return new ConsumerOptions(
        null, false, null, null, null, null, RedisStateStore.DEFAULT_COMMAND_TIMEOUT_MS);
  }

  /**
   * The key prefix of a gateway of {@code namespace} (null: file mode): the one given, else {@code
   * switchboard:<namespace>:} — Consumers, routes and providers are namespaced, so gateways of two
   * namespaces sharing one Redis must never count, cache or find each other's same-named ones — and
   * {@code switchboard:} in file mode, which knows no namespace.
   */
  public String stateStorePrefixIn(String namespace) {
    if (stateStorePrefix != null) {
      return stateStorePrefix;
    }
    return namespace == null || namespace.isBlank()
        ? DEFAULT_STATE_STORE_PREFIX
        : DEFAULT_STATE_STORE_PREFIX + namespace.strip() + ":";
  }

  public ConsumerOptions withConsumersFile(Path value) {
    return new ConsumerOptions(
        value,
        requireKeys,
        stateStore,
        stateStorePassword,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs);
  }

  public ConsumerOptions withRequireKeys(boolean value) {
    return new ConsumerOptions(
        consumersFile,
        value,
        stateStore,
        stateStorePassword,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs);
  }

  public ConsumerOptions withStateStore(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        value,
        stateStorePassword,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs);
  }

  public ConsumerOptions withStateStorePassword(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        value,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs);
  }

  public ConsumerOptions withStateStoreCaFile(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        stateStorePassword,
        value,
        stateStorePrefix,
        stateStoreTimeoutMs);
  }

  public ConsumerOptions withStateStorePrefix(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        stateStorePassword,
        stateStoreCaFile,
        value,
        stateStoreTimeoutMs);
  }

  /** The most a store command may take, 1 ms to 60 s; anything else is refused. */
  public ConsumerOptions withStateStoreTimeoutMs(long value) {
    if (value < 1 || value > 60_000) {
      throw new IllegalArgumentException(
          "the state store timeout must be 1 to 60000 ms, got " + value);
    }
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        stateStorePassword,
        stateStoreCaFile,
        stateStorePrefix,
        value);
  }

  /** Never shows the store's address or password. */
  @Override
  public String toString() {
    return "ConsumerOptions[consumersFile="
        + consumersFile
        + ", requireKeys="
        + requireKeys
        + ", stateStore="
        + (stateStore == null ? "none" : "(set)")
        + "]";
  }
}
