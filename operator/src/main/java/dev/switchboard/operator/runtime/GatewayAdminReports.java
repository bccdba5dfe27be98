package dev.switchboard.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Reads one JSON endpoint of the admin port (next to {@code /metrics}) from every gateway replica
 * of a namespace, in parallel, and combines the answers; a replica that does not answer (or
 * predates the endpoint) is left out, and no answer at all is empty. Cached for a second per
 * namespace, so a burst of reconciles costs one request per replica. Each request bears the
 * operator's credential: a gateway whose consumer table names it answers no one else.
 *
 * @param <T> the combined figure
 */
final class GatewayAdminReports<T> {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CACHE_FOR = Duration.ofSeconds(1);

  private record Cached<T>(Instant at, Optional<T> value) {}

  private final GatewayTargets targets;
  private final Clock clock;
  private final String path;
  private final Function<List<JsonNode>, T> combine;
  private final OperatorCredential credential;
  private final HttpClient http;
  private final ConcurrentMap<String, Cached<T>> cache = new ConcurrentHashMap<>();

  GatewayAdminReports(
      GatewayTargets targets,
      Clock clock,
      String path,
      Function<List<JsonNode>, T> combine,
      OperatorCredential credential) {
    this.targets = targets;
    this.credential = credential;
    this.clock = clock;
    this.path = path;
    this.combine = combine;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /** The replicas' answers combined; empty when none answered (or none could be listed). */
  Optional<T> read(String namespace) {
    Instant now = clock.instant();
    Cached<T> cached = cache.get(namespace);
    if (cached != null && now.isBefore(cached.at().plus(CACHE_FOR))) {
      return cached.value();
    }
    List<URI> urls;
    try {
      urls = targets.metricsUrls(namespace);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    List<CompletableFuture<JsonNode>> reports = new ArrayList<>();
    for (URI url : urls) {
      reports.add(fetch(url.resolve(path)));
    }
    List<JsonNode> answered = new ArrayList<>();
    for (CompletableFuture<JsonNode> report : reports) {
      try {
        answered.add(report.join());
      } catch (RuntimeException e) {
        // A replica that does not answer is left out.
      }
    }
    Optional<T> result =
        answered.isEmpty() ? Optional.empty() : Optional.of(combine.apply(answered));
    cache.put(namespace, new Cached<>(now, result));
    return result;
  }

  private CompletableFuture<JsonNode> fetch(URI url) {
    HttpRequest request =
        credential.authorize(HttpRequest.newBuilder(url)).timeout(TIMEOUT).GET().build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode());
              }
              try {
                return JSON.readTree(response.body());
              } catch (java.io.IOException e) {
                throw new IllegalStateException("not JSON", e);
              }
            });
  }
}
