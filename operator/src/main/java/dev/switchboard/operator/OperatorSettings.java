package dev.switchboard.operator;

import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * How one operator process behaves: which namespaces it watches, which upstream address ranges it
 * accepts, whether it elects a leader and whether it patches with server-side apply.
 *
 * <p>Every setting comes from an environment variable and can be overridden by a command-line flag
 * of the same meaning ({@code --watch-namespaces=a,b}); see {@link #fromEnvironmentAndArgs}.
 *
 * @param watchNamespaces namespaces to watch; empty means every namespace
 * @param allowLoopbackUpstreams accept {@code baseUrl}s on loopback addresses (local development)
 * @param allowPrivateUpstreams accept {@code baseUrl}s on private address ranges (in-cluster
 *     models)
 * @param leaderElection run with a Lease so that only one replica reconciles
 * @param leaseName name of the Lease used for leader election
 * @param leaseNamespace namespace of the Lease; null means the client's namespace
 * @param serverSideApply patch primary resources with server-side apply (off for the mock server)
 * @param gatewayService name of the gateway admin Service whose EndpointSlices list the replicas
 *     that canary analysis and runtime status scrape (in the route's namespace)
 * @param gatewayMetricsPort name of that Service's port serving the gateway's {@code /metrics} (the
 *     gateway's admin port: {@code /metrics} is not served on its public port)
 * @param gatewayMetricsUrls fixed gateway {@code /metrics} URLs to scrape instead of discovering
 *     replicas through EndpointSlices (local stack, runs without EndpointSlices); empty = discover
 * @param prometheusNamespaceLabel label that carries the namespace in Prometheus series, used by
 *     {@code metrics.source: prometheus}; blank = do not filter by namespace
 * @param metricsPort port of the operator's HTTP endpoint ({@code /metrics}, {@code /healthz},
 *     {@code /readyz}; {@code SWITCHBOARD_HTTP_PORT}, as the Helm chart sets it); 0 picks a free
 *     port, negative disables it
 */
public record OperatorSettings(
    Set<String> watchNamespaces,
    boolean allowLoopbackUpstreams,
    boolean allowPrivateUpstreams,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    boolean serverSideApply,
    String gatewayService,
    String gatewayMetricsPort,
    List<URI> gatewayMetricsUrls,
    String prometheusNamespaceLabel,
    int metricsPort) {

  /** Default Lease name for leader election. */
  public static final String DEFAULT_LEASE_NAME = "switchboard-operator";

  /** Default name of the gateway admin Service (the Helm chart's). */
  public static final String DEFAULT_GATEWAY_SERVICE = "switchboard-gateway-admin";

  /** Default name of the gateway admin Service port that serves {@code /metrics}. */
  public static final String DEFAULT_GATEWAY_METRICS_PORT = "admin";

  /** Default label carrying the namespace in Prometheus series. */
  public static final String DEFAULT_PROMETHEUS_NAMESPACE_LABEL = "namespace";

  /** Default port of the operator's own metrics endpoint. */
  public static final int DEFAULT_METRICS_PORT = 8081;

  /** The environment variables and the flags that override them, in documentation order. */
  public static final Map<String, String> FLAGS_BY_ENV = flagsByEnv();

  public OperatorSettings {
    watchNamespaces = Set.copyOf(watchNamespaces == null ? Set.of() : watchNamespaces);
    leaseName = leaseName == null || leaseName.isBlank() ? DEFAULT_LEASE_NAME : leaseName;
    gatewayService =
        gatewayService == null || gatewayService.isBlank()
            ? DEFAULT_GATEWAY_SERVICE
            : gatewayService.trim();
    gatewayMetricsPort =
        gatewayMetricsPort == null || gatewayMetricsPort.isBlank()
            ? DEFAULT_GATEWAY_METRICS_PORT
            : gatewayMetricsPort.trim();
    gatewayMetricsUrls = List.copyOf(gatewayMetricsUrls == null ? List.of() : gatewayMetricsUrls);
    prometheusNamespaceLabel =
        prometheusNamespaceLabel == null
            ? DEFAULT_PROMETHEUS_NAMESPACE_LABEL
            : prometheusNamespaceLabel.trim();
  }

  /** The settings of the first version, with canary and metrics settings at their defaults. */
  public OperatorSettings(
      Set<String> watchNamespaces,
      boolean allowLoopbackUpstreams,
      boolean allowPrivateUpstreams,
      boolean leaderElection,
      String leaseName,
      String leaseNamespace,
      boolean serverSideApply) {
    this(
        watchNamespaces,
        allowLoopbackUpstreams,
        allowPrivateUpstreams,
        leaderElection,
        leaseName,
        leaseNamespace,
        serverSideApply,
        null,
        null,
        List.of(),
        null,
        DEFAULT_METRICS_PORT);
  }

  /** These settings with fixed gateway metrics URLs (no EndpointSlice discovery). */
  public OperatorSettings withGatewayMetricsUrls(List<URI> urls) {
    return new OperatorSettings(
        watchNamespaces,
        allowLoopbackUpstreams,
        allowPrivateUpstreams,
        leaderElection,
        leaseName,
        leaseNamespace,
        serverSideApply,
        gatewayService,
        gatewayMetricsPort,
        urls,
        prometheusNamespaceLabel,
        metricsPort);
  }

  /** These settings with another operator metrics port (0: any free port, negative: off). */
  public OperatorSettings withMetricsPort(int port) {
    return new OperatorSettings(
        watchNamespaces,
        allowLoopbackUpstreams,
        allowPrivateUpstreams,
        leaderElection,
        leaseName,
        leaseNamespace,
        serverSideApply,
        gatewayService,
        gatewayMetricsPort,
        gatewayMetricsUrls,
        prometheusNamespaceLabel,
        port);
  }

  /** Production defaults: all namespaces, public upstreams only, leader election on, SSA on. */
  public static OperatorSettings defaults() {
    return new OperatorSettings(Set.of(), false, false, true, DEFAULT_LEASE_NAME, null, true);
  }

  /**
   * Settings for tests and the in-process local stack: the mock API server answers server-side
   * apply with 415 and has no need for a leader, and mock providers listen on loopback.
   */
  public static OperatorSettings forMockApiServer() {
    // Metrics on a free port: several in-process operators (tests, restarts) must not collide.
    return new OperatorSettings(Set.of(), true, true, false, DEFAULT_LEASE_NAME, null, false)
        .withMetricsPort(0);
  }

  public OperatorSettings withWatchNamespaces(Set<String> namespaces) {
    return new OperatorSettings(
        namespaces,
        allowLoopbackUpstreams,
        allowPrivateUpstreams,
        leaderElection,
        leaseName,
        leaseNamespace,
        serverSideApply,
        gatewayService,
        gatewayMetricsPort,
        gatewayMetricsUrls,
        prometheusNamespaceLabel,
        metricsPort);
  }

  public OperatorSettings withUpstreamAllowances(boolean loopback, boolean privateRanges) {
    return new OperatorSettings(
        watchNamespaces,
        loopback,
        privateRanges,
        leaderElection,
        leaseName,
        leaseNamespace,
        serverSideApply,
        gatewayService,
        gatewayMetricsPort,
        gatewayMetricsUrls,
        prometheusNamespaceLabel,
        metricsPort);
  }

  /**
   * Reads the settings from the environment, then lets {@code --flag=value} arguments override.
   *
   * @throws IllegalArgumentException on an unknown flag or a value that is not a boolean
   */
  public static OperatorSettings fromEnvironmentAndArgs(Map<String, String> env, String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    FLAGS_BY_ENV.keySet().forEach(key -> values.put(key, env.get(key)));
    for (String arg : args) {
      String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "true";
      String envName =
          FLAGS_BY_ENV.entrySet().stream()
              .filter(e -> e.getValue().equals(flag))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown flag " + flag + "; known flags: " + FLAGS_BY_ENV.values()));
      values.put(envName, value);
    }
    OperatorSettings defaults = defaults();
    return new OperatorSettings(
        parseNamespaces(values.get("SWITCHBOARD_WATCH_NAMESPACES")),
        parseBoolean(
            values, "SWITCHBOARD_ALLOW_LOOPBACK_UPSTREAMS", defaults.allowLoopbackUpstreams()),
        parseBoolean(
            values, "SWITCHBOARD_ALLOW_PRIVATE_UPSTREAMS", defaults.allowPrivateUpstreams()),
        parseBoolean(values, "SWITCHBOARD_LEADER_ELECTION", defaults.leaderElection()),
        values.get("SWITCHBOARD_LEASE_NAME"),
        blankToNull(values.get("SWITCHBOARD_LEASE_NAMESPACE")),
        parseBoolean(values, "SWITCHBOARD_SSA", defaults.serverSideApply()),
        values.get("SWITCHBOARD_GATEWAY_SERVICE"),
        values.get("SWITCHBOARD_GATEWAY_METRICS_PORT"),
        parseUrls(values.get("SWITCHBOARD_GATEWAY_METRICS_URLS")),
        values.get("SWITCHBOARD_PROMETHEUS_NAMESPACE_LABEL"),
        parseInt(values, "SWITCHBOARD_HTTP_PORT", DEFAULT_METRICS_PORT));
  }

  private static Map<String, String> flagsByEnv() {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("SWITCHBOARD_WATCH_NAMESPACES", "--watch-namespaces");
    flags.put("SWITCHBOARD_ALLOW_LOOPBACK_UPSTREAMS", "--allow-loopback-upstreams");
    flags.put("SWITCHBOARD_ALLOW_PRIVATE_UPSTREAMS", "--allow-private-upstreams");
    flags.put("SWITCHBOARD_LEADER_ELECTION", "--leader-election");
    flags.put("SWITCHBOARD_LEASE_NAME", "--lease-name");
    flags.put("SWITCHBOARD_LEASE_NAMESPACE", "--lease-namespace");
    flags.put("SWITCHBOARD_SSA", "--server-side-apply");
    flags.put("SWITCHBOARD_GATEWAY_SERVICE", "--gateway-service");
    flags.put("SWITCHBOARD_GATEWAY_METRICS_PORT", "--gateway-metrics-port");
    flags.put("SWITCHBOARD_GATEWAY_METRICS_URLS", "--gateway-metrics-urls");
    flags.put("SWITCHBOARD_PROMETHEUS_NAMESPACE_LABEL", "--prometheus-namespace-label");
    flags.put("SWITCHBOARD_HTTP_PORT", "--http-port");
    return java.util.Collections.unmodifiableMap(flags);
  }

  private static Set<String> parseNamespaces(String text) {
    if (text == null || text.isBlank()) {
      return Set.of();
    }
    return Arrays.stream(text.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<URI> parseUrls(String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    List<URI> urls = new java.util.ArrayList<>();
    for (String part : text.split(",")) {
      String url = part.trim();
      if (url.isEmpty()) {
        continue;
      }
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "SWITCHBOARD_GATEWAY_METRICS_URLS: '" + url + "' is not a URL", e);
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException(
            "SWITCHBOARD_GATEWAY_METRICS_URLS: '" + url + "' is not an http(s) URL");
      }
      urls.add(uri);
    }
    return urls;
  }

  private static int parseInt(Map<String, String> values, String key, int fallback) {
    String text = values.get(key);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "='" + text + "' is not a number", e);
    }
  }

  private static boolean parseBoolean(Map<String, String> values, String key, boolean fallback) {
    String text = values.get(key);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default ->
          throw new IllegalArgumentException(
              key + "='" + text + "' is not a boolean (use true or false)");
    };
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text.trim();
  }
}
