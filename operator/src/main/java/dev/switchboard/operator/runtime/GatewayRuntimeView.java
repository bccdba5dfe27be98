package dev.switchboard.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.api.v1alpha1.GatewayStatus;
import dev.switchboard.api.v1alpha1.ObservedTarget;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import dev.switchboard.operator.rollout.metrics.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Reads what the gateway replicas of a namespace really serve from their {@code /metrics}, so that
 * status tells runtime truth. Results are cached briefly per namespace: a namespace's routes and
 * providers reconcile in bursts and should cost one scrape per replica, not one each. Replicas that
 * do not answer are left out (they are not serving either).
 */
public final class GatewayRuntimeView implements GatewayObserver {

  static final String CONFIG_VERSION_INFO = "switchboard_config_version_info";
  static final String PROVIDER_HEALTHY = "switchboard_provider_healthy";
  static final String BREAKER_STATE = "switchboard_circuit_breaker_state";
  static final String CREDENTIALS_REJECTED = "switchboard_provider_credentials_rejected";
  static final String MODEL_VERSION_CHANGE = "switchboard_model_version_change";

  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CACHE_FOR = Duration.ofSeconds(1);

  private final GatewayTargets targets;
  private final Clock clock;
  private final HttpClient http;
  private final OperatorCredential credential;
  private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, CachedFigures> figuresCache = new ConcurrentHashMap<>();

  /** When each route's ({@code namespace/name}) observed figures were last handed out to write. */
  private final ConcurrentMap<String, Instant> observedWrites = new ConcurrentHashMap<>();

  static final String ROUTING_FIGURES_PATH = "/admin/routing-figures";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param credential presented to {@code /admin/routing-figures} (the gateways answer it to the
   *     operator only once their consumer table names it); {@code /metrics} is read without
   */
  public GatewayRuntimeView(GatewayTargets targets, Clock clock, OperatorCredential credential) {
    this.targets = targets;
    this.credential = credential;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /**
   * Where the gateway replicas' admin ports are (their {@code /metrics} URLs; the same ports serve
   * {@code /admin/evaluations} and {@code /admin/consumers}).
   */
  public GatewayTargets targets() {
    return targets;
  }

  @Override
  public Optional<GatewayStatus> gatewayStatus(String namespace, String publishedVersion) {
    if (publishedVersion == null) {
      return Optional.empty();
    }
    GatewayReplicas replicas = replicas(namespace);
    GatewayStatus status = new GatewayStatus();
    status.setConfigVersion(replicas.prevailingVersion().orElse(null));
    status.setReplicasReady(replicas.running(publishedVersion));
    status.setReplicasTotal(replicas.replicas().size());
    return Optional.of(status);
  }

  @Override
  public Map<String, GatewayReplicas.VersionChange> versionChanges(String namespace) {
    return replicas(namespace).latestVersionChanges();
  }

  /** The replicas serving {@code namespace}, as they report themselves now. */
  public GatewayReplicas replicas(String namespace) {
    Instant now = clock.instant();
    Cached cached = cache.get(namespace);
    if (cached != null && now.isBefore(cached.at().plus(CACHE_FOR))) {
      return cached.replicas();
    }
    List<URI> urls;
    try {
      urls = targets.metricsUrls(namespace);
    } catch (RuntimeException e) {
      return GatewayReplicas.NONE;
    }
    List<CompletableFuture<GatewayReplicas.Replica>> scrapes = new ArrayList<>();
    for (URI url : urls) {
      scrapes.add(scrape(url));
    }
    List<GatewayReplicas.Replica> replicas = new ArrayList<>();
    for (CompletableFuture<GatewayReplicas.Replica> scrape : scrapes) {
      try {
        replicas.add(scrape.join());
      } catch (RuntimeException e) {
        // Not answering: not serving. Left out of both counts' numerator.
      }
    }
    GatewayReplicas result = new GatewayReplicas(replicas);
    cache.put(namespace, new Cached(now, result));
    return result;
  }

  @Override
  public Optional<List<ObservedTarget>> observed(
      String namespace, String route, List<ObservedTarget> current) {
    Optional<List<JsonNode>> figures = routingFigures(namespace);
    if (figures.isEmpty()) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    String key = namespace + "/" + route;
    List<ObservedTarget> next =
        ObservedFigures.next(
            current, ObservedFigures.merge(figures.get(), route), observedWrites.get(key), now);
    if (next != current) {
      observedWrites.put(key, now);
    }
    return Optional.of(next == null ? List.of() : next);
  }

  /**
   * Each answering replica's {@code /admin/routing-figures} (next to its {@code /metrics} on the
   * admin port); empty when none answers.
   */
  Optional<List<JsonNode>> routingFigures(String namespace) {
    Instant now = clock.instant();
    CachedFigures cached = figuresCache.get(namespace);
    if (cached != null && now.isBefore(cached.at().plus(CACHE_FOR))) {
      return cached.figures();
    }
    List<URI> urls;
    try {
      urls = targets.metricsUrls(namespace);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    List<CompletableFuture<JsonNode>> fetches = new ArrayList<>();
    for (URI url : urls) {
      HttpRequest request =
          credential
              .authorize(HttpRequest.newBuilder(url.resolve(ROUTING_FIGURES_PATH)))
              .timeout(TIMEOUT)
              .GET()
              .build();
      fetches.add(
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
              .thenApply(
                  response -> {
                    if (response.statusCode() != 200) {
                      throw new IllegalStateException("HTTP " + response.statusCode());
                    }
                    try {
                      return JSON.readTree(response.body());
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  }));
    }
    List<JsonNode> docs = new ArrayList<>();
    for (CompletableFuture<JsonNode> fetch : fetches) {
      try {
        docs.add(fetch.join());
      } catch (RuntimeException e) {
        // Not answering (or an older gateway without the endpoint): its figures are unknown.
      }
    }
    Optional<List<JsonNode>> result = docs.isEmpty() ? Optional.empty() : Optional.of(docs);
    figuresCache.put(namespace, new CachedFigures(now, result));
    return result;
  }

  private CompletableFuture<GatewayReplicas.Replica> scrape(URI url) {
    HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode());
              }
              return parse(url.toString(), response.body());
            });
  }

  static GatewayReplicas.Replica parse(String url, String body) {
    String version = null;
    Map<String, Boolean> healthy = new TreeMap<>();
    List<String> open = new ArrayList<>();
    List<String> halfOpen = new ArrayList<>();
    Set<String> rejected = new TreeSet<>();
    List<GatewayReplicas.VersionChange> changes = new ArrayList<>();
    for (PrometheusText.Sample s : PrometheusText.parse(body)) {
      switch (s.name()) {
        case CONFIG_VERSION_INFO -> {
          if (s.value() == 1.0 && s.label("config_version") != null) {
            version = s.label("config_version");
          }
        }
        case PROVIDER_HEALTHY -> {
          if (s.label("provider") != null) {
            healthy.put(s.label("provider"), s.value() >= 1.0);
          }
        }
        case BREAKER_STATE -> {
          if (s.value() >= 1.0 && s.label("target") != null) {
            if ("open".equals(s.label("state"))) {
              open.add(s.label("target"));
            } else if ("half_open".equals(s.label("state"))) {
              halfOpen.add(s.label("target"));
            }
          }
        }
        case CREDENTIALS_REJECTED -> {
          if (s.value() >= 1.0 && s.label("provider") != null) {
            rejected.add(s.label("provider"));
          }
        }
        case MODEL_VERSION_CHANGE -> {
          if (s.label("target") != null) {
            changes.add(
                new GatewayReplicas.VersionChange(
                    s.label("target"),
                    s.label("from_version"),
                    s.label("to_version"),
                    s.label("from_fingerprint"),
                    s.label("to_fingerprint"),
                    (long) s.value()));
          }
        }
        default -> {}
      }
    }
    return new GatewayReplicas.Replica(url, version, healthy, open, rejected, changes, halfOpen);
  }

  private record Cached(Instant at, GatewayReplicas replicas) {}

  private record CachedFigures(Instant at, Optional<List<JsonNode>> figures) {}
}
