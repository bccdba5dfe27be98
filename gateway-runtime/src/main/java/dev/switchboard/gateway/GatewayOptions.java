package dev.switchboard.gateway;

import java.nio.file.Path;

/**
 * How a gateway is started. Exactly one config source is used: Kubernetes when {@code namespace} is
 * set, otherwise the routing file and keys directory.
 *
 * @param host the address to bind ({@code 0.0.0.0} in a pod)
 * @param port the public port (API, health, stats); 0 picks a free one (tests)
 * @param routingFile the routing table file (standalone mode)
 * @param keysDir one file per provider name holding its key (standalone mode); may be null
 * @param namespace the Kubernetes namespace whose ConfigMap and Secret to watch; null = file mode
 * @param maxBodyBytes request body limit (413 above it)
 * @param fileCheckIntervalMs how often file mode compares the files with what it last loaded
 * @param adminPort the admin port ({@code /admin/*}, {@code /metrics}); 0 picks a free one (tests)
 * @param headerReadTimeoutMs how long a new connection may take to deliver its first request head
 * @param idleTimeoutMs how long a keep-alive connection may sit between requests
 * @param maxConnections open connections per replica on the public port; new ones above are closed
 * @param consumers consumer keys and the shared state store
 * @param testClockOffsetFile TEST ONLY, null (off) by default: a file holding an offset (ISO-8601
 *     duration such as {@code PT2H} or {@code -PT30M}, or milliseconds) added to the gateway's wall
 *     clock and re-read every {@value dev.switchboard.gateway.time.OffsetClock#REREAD_MS} ms, so an
 *     end-to-end test can cross a price or schedule window boundary; never set it in production
 * @param drainDelayMs on shutdown, how long the gateway keeps accepting requests after {@code
 *     /readyz} turned 503, while load balancers take the replica out of rotation
 * @param shutdownTimeoutMs after the drain delay, how long requests and streams in flight may take
 *     to finish before their connections are closed
 */
public record GatewayOptions(
    String host,
    int port,
    Path routingFile,
    Path keysDir,
    String namespace,
    long maxBodyBytes,
    long fileCheckIntervalMs,
    int adminPort,
    long headerReadTimeoutMs,
    long idleTimeoutMs,
    int maxConnections,
    ConsumerOptions consumers,
    Path testClockOffsetFile,
    long drainDelayMs,
    long shutdownTimeoutMs) {

  /** 32 MiB: room for inline images. */
  public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;

  public static final Path DEFAULT_ROUTING_FILE = Path.of("/etc/switchboard/routing/routing.json");
  public static final Path DEFAULT_KEYS_DIR = Path.of("/etc/switchboard/keys");

  /**
   * The admin port ({@code /admin/*}, {@code /metrics}), reachable only by operator and Prometheus.
   */
  public static final int DEFAULT_ADMIN_PORT = 9090;

  /**
   * 10 s for a request head (nginx allows 60 s): an SDK sends its head in one packet, so even a
   * slow mobile link needs far less, while a slowloris client holds a socket six times shorter.
   */
  public static final long DEFAULT_HEADER_READ_TIMEOUT_MS = 10_000;

  /**
   * 75 s between requests on a keep-alive connection (nginx's default): longer than the 60 s idle
   * timeout of common load balancers, so the balancer, not the gateway, closes an idle connection
   * and never reuses one the gateway is closing at that moment.
   */
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 75_000;

  /** 10,000 open connections per replica: far above what one replica serves usefully. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  /**
   * 5 s of accepting after {@code /readyz} turned 503: about what kube-proxy and ingress
   * controllers take to drop a terminating endpoint (the chart sets its own).
   */
  public static final long DEFAULT_DRAIN_DELAY_MS = 5_000;

  /**
   * 20 s for requests in flight after the drain delay: with it, 25 s, inside the 30 s a pod gets by
   * default before it is killed (the chart derives it from terminationGracePeriodSeconds).
   */
  public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;

  /** Validates the limits: a timeout or cap of zero or less would switch a protection off. */
  public GatewayOptions {
    consumers = consumers == null ? ConsumerOptions.defaults() : consumers;
    if (headerReadTimeoutMs <= 0 || idleTimeoutMs <= 0 || maxConnections <= 0) {
      throw new IllegalArgumentException(
          "header-read timeout, idle timeout and max connections must be positive");
    }
    if (drainDelayMs < 0 || shutdownTimeoutMs < 0) {
      throw new IllegalArgumentException("drain delay and shutdown timeout must not be negative");
    }
  }

  /** Defaults: all interfaces, ports 8080 and 9090, the standard files, 32 MiB, 500 ms checks. */
  public static GatewayOptions defaults() {
    return new GatewayOptions(
        "0.0.0.0",
        8080,
        DEFAULT_ROUTING_FILE,
        DEFAULT_KEYS_DIR,
        null,
        DEFAULT_MAX_BODY_BYTES,
        500,
        DEFAULT_ADMIN_PORT,
        DEFAULT_HEADER_READ_TIMEOUT_MS,
        DEFAULT_IDLE_TIMEOUT_MS,
        DEFAULT_MAX_CONNECTIONS,
        ConsumerOptions.defaults(),
        null,
        DEFAULT_DRAIN_DELAY_MS,
        DEFAULT_SHUTDOWN_TIMEOUT_MS);
  }

  public GatewayOptions withHost(String value) {
    return new GatewayOptions(
        value,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withPort(int value) {
    return new GatewayOptions(
        host,
        value,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withRoutingFile(Path value) {
    return new GatewayOptions(
        host,
        port,
        value,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withKeysDir(Path value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        value,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withNamespace(String value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        value,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withMaxBodyBytes(long value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        value,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withFileCheckIntervalMs(long value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        value,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withAdminPort(int value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        value,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withHeaderReadTimeoutMs(long value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        value,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withIdleTimeoutMs(long value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        value,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withMaxConnections(int value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        value,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  public GatewayOptions withConsumers(ConsumerOptions value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        value,
        testClockOffsetFile,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  /** TEST ONLY: moves the wall clock by the offset in this file (see the record's Javadoc). */
  public GatewayOptions withTestClockOffsetFile(Path value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        value,
        drainDelayMs,
        shutdownTimeoutMs);
  }

  /** How long shutdown keeps accepting after {@code /readyz} turned 503. */
  public GatewayOptions withDrainDelayMs(long value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        value,
        shutdownTimeoutMs);
  }

  /** How long requests in flight may take to finish once shutdown stops accepting. */
  public GatewayOptions withShutdownTimeoutMs(long value) {
    return new GatewayOptions(
        host,
        port,
        routingFile,
        keysDir,
        namespace,
        maxBodyBytes,
        fileCheckIntervalMs,
        adminPort,
        headerReadTimeoutMs,
        idleTimeoutMs,
        maxConnections,
        consumers,
        testClockOffsetFile,
        drainDelayMs,
        value);
  }
}
