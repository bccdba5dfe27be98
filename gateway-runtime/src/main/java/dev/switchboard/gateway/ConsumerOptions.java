package dev.switchboard.gateway;

import dev.switchboard.gateway.state.RedisStateStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

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
 * @param adminKeySha256 hex SHA-256 digests of admin keys a person may read the admin port with,
 *     beside the operator's credential the consumer table names; any of them makes every {@code
 *     /admin/} path require one of these or the operator's credential. Digests only, never a key.
 */
public record ConsumerOptions(
    Path consumersFile,
    boolean requireKeys,
    String stateStore,
    String stateStorePassword,
    String stateStoreCaFile,
    String stateStorePrefix,
    long stateStoreTimeoutMs,
    List<String> adminKeySha256) {

  public ConsumerOptions {
    adminKeySha256 =
        adminKeySha256 == null
            ? List.of()
            : adminKeySha256.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
    for (String hash : adminKeySha256) {
      if (!hash.matches("[0-9a-f]{64}")) {
        // The value is a digest, yet someone may pass a key here by mistake: never quote it.
        throw new IllegalArgumentException(
            "an admin key SHA-256 must be 64 hex digits (the SHA-256 of the key, not the key)");
      }
    }
  }

  /** What every key in the state store starts with, before the namespace (file mode: alone). */
  public static final String DEFAULT_STATE_STORE_PREFIX = "switchboard:";

  /**
   * No consumers file, keys required only once a Consumer exists, no shared store, the default key
   * prefix.
   */
  public static ConsumerOptions defaults() {
    return new ConsumerOptions(
        null, false, null, null, null, null, RedisStateStore.DEFAULT_COMMAND_TIMEOUT_MS, List.of());
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
        stateStoreTimeoutMs,
        adminKeySha256);
  }

  public ConsumerOptions withRequireKeys(boolean value) {
    return new ConsumerOptions(
        consumersFile,
        value,
        stateStore,
        stateStorePassword,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs,
        adminKeySha256);
  }

  public ConsumerOptions withStateStore(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        value,
        stateStorePassword,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs,
        adminKeySha256);
  }

  public ConsumerOptions withStateStorePassword(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        value,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs,
        adminKeySha256);
  }

  public ConsumerOptions withStateStoreCaFile(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        stateStorePassword,
        value,
        stateStorePrefix,
        stateStoreTimeoutMs,
        adminKeySha256);
  }

  public ConsumerOptions withStateStorePrefix(String value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        stateStorePassword,
        stateStoreCaFile,
        value,
        stateStoreTimeoutMs,
        adminKeySha256);
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
        value,
        adminKeySha256);
  }

  /**
   * With these admin key digests (hex SHA-256; a comma-separated list on the command line), beside
   * the operator's credential.
   */
  public ConsumerOptions withAdminKeySha256(List<String> value) {
    return new ConsumerOptions(
        consumersFile,
        requireKeys,
        stateStore,
        stateStorePassword,
        stateStoreCaFile,
        stateStorePrefix,
        stateStoreTimeoutMs,
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
        + ", adminKeys="
        + adminKeySha256.size()
        + "]";
  }
}
