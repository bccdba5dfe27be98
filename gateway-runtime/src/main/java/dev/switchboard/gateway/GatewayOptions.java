package dev.switchboard.gateway;

import java.nio.file.Path;

/**
 * How a gateway is started. Exactly one config source is used: Kubernetes when {@code namespace} is
 * set, otherwise the routing file and keys directory.
 *
 * @param host the address to bind ({@code 0.0.0.0} in a pod)
 * @param port the port to bind; 0 picks a free one (tests)
 * @param routingFile the routing table file (standalone mode)
 * @param keysDir one file per provider name holding its key (standalone mode); may be null
 * @param namespace the Kubernetes namespace whose ConfigMap and Secret to watch; null = file mode
 * @param maxBodyBytes request body limit (413 above it)
 * @param fileCheckIntervalMs how often file mode compares the files with what it last loaded
 */
public record GatewayOptions(
    String host,
    int port,
    Path routingFile,
    Path keysDir,
    String namespace,
    long maxBodyBytes,
    long fileCheckIntervalMs) {

  /** 32 MiB: room for inline images. */
  public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;

  public static final Path DEFAULT_ROUTING_FILE = Path.of("/etc/switchboard/routing/routing.json");
  public static final Path DEFAULT_KEYS_DIR = Path.of("/etc/switchboard/keys");

  /** Defaults: all interfaces, port 8080, the standard file locations, 32 MiB, 500 ms checks. */
  public static GatewayOptions defaults() {
    return new GatewayOptions(
        "0.0.0.0", 8080, DEFAULT_ROUTING_FILE, DEFAULT_KEYS_DIR, null, DEFAULT_MAX_BODY_BYTES, 500);
  }

  public GatewayOptions withHost(String value) {
    return new GatewayOptions(
        value, port, routingFile, keysDir, namespace, maxBodyBytes, fileCheckIntervalMs);
  }

  public GatewayOptions withPort(int value) {
    return new GatewayOptions(
        host, value, routingFile, keysDir, namespace, maxBodyBytes, fileCheckIntervalMs);
  }

  public GatewayOptions withRoutingFile(Path value) {
    return new GatewayOptions(
        host, port, value, keysDir, namespace, maxBodyBytes, fileCheckIntervalMs);
  }

  public GatewayOptions withKeysDir(Path value) {
    return new GatewayOptions(
        host, port, routingFile, value, namespace, maxBodyBytes, fileCheckIntervalMs);
  }

  public GatewayOptions withNamespace(String value) {
    return new GatewayOptions(
        host, port, routingFile, keysDir, value, maxBodyBytes, fileCheckIntervalMs);
  }

  public GatewayOptions withMaxBodyBytes(long value) {
    return new GatewayOptions(
        host, port, routingFile, keysDir, namespace, value, fileCheckIntervalMs);
  }

  public GatewayOptions withFileCheckIntervalMs(long value) {
    return new GatewayOptions(host, port, routingFile, keysDir, namespace, maxBodyBytes, value);
  }
}
