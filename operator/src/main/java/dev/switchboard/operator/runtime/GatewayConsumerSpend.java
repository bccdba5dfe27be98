package dev.switchboard.operator.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Reads {@code GET /admin/consumers} from every gateway replica of a namespace (the admin port,
 * next to {@code /metrics}). With a shared state store every replica reports the same shared total,
 * so the largest report is taken; replicas counting alone report what they served, so theirs are
 * summed. Cached for a second per namespace, so a burst of Consumer reconciles costs one request
 * per replica.
 */
public final class GatewayConsumerSpend implements ConsumerSpendSource {

  static final String PATH = "/admin/consumers";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CACHE_FOR = Duration.ofSeconds(1);

  private final GatewayTargets targets;
  private final Clock clock;
  private final HttpClient http;
  private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();

  public GatewayConsumerSpend(GatewayTargets targets, Clock clock) {
    this.targets = targets;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @Override
  public Optional<Map<String, Spent>> spend(String namespace) {
    Instant now = clock.instant();
    Cached cached = cache.get(namespace);
    if (cached != null && now.isBefore(cached.at().plus(CACHE_FOR))) {
      return cached.spend();
    }
    List<URI> urls;
    try {
      urls = targets.metricsUrls(namespace);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    List<CompletableFuture<JsonNode>> reports = new ArrayList<>();
    for (URI url : urls) {
      reports.add(fetch(url.resolve(PATH)));
    }
    List<JsonNode> answered = new ArrayList<>();
    for (CompletableFuture<JsonNode> report : reports) {
      try {
        answered.add(report.join());
      } catch (RuntimeException e) {
        // A replica that does not answer is left out.
      }
    }
    Optional<Map<String, Spent>> result =
        answered.isEmpty() ? Optional.empty() : Optional.of(combine(answered));
    cache.put(namespace, new Cached(now, result));
    return result;
  }

  /** Shared reports: the largest; per-replica reports: their sum; both added (mixed rollouts). */
  static Map<String, Spent> combine(List<JsonNode> reports) {
    Map<String, double[]> sharedMax = new TreeMap<>();
    Map<String, double[]> localSum = new TreeMap<>();
    for (JsonNode report : reports) {
      boolean shared = report.path("shared").asBoolean(false);
      for (JsonNode row : report.path("consumers")) {
        if (!row.path("tracked").asBoolean(false) || !row.hasNonNull("name")) {
          continue;
        }
        double today = row.path("todayUsd").asDouble(0);
        double month = row.path("monthUsd").asDouble(0);
        if (shared) {
          double[] m = sharedMax.computeIfAbsent(row.get("name").asText(), k -> new double[2]);
          m[0] = Math.max(m[0], today);
          m[1] = Math.max(m[1], month);
        } else {
          double[] s = localSum.computeIfAbsent(row.get("name").asText(), k -> new double[2]);
          s[0] += today;
          s[1] += month;
        }
      }
    }
    Map<String, Spent> result = new TreeMap<>();
    for (String name : union(sharedMax, localSum)) {
      double[] m = sharedMax.getOrDefault(name, new double[2]);
      double[] s = localSum.getOrDefault(name, new double[2]);
      result.put(name, new Spent(m[0] + s[0], m[1] + s[1]));
    }
    return result;
  }

  private static List<String> union(Map<String, ?> a, Map<String, ?> b) {
    TreeMap<String, Boolean> all = new TreeMap<>();
    a.keySet().forEach(k -> all.put(k, true));
    b.keySet().forEach(k -> all.put(k, true));
    return List.copyOf(all.keySet());
  }

  private CompletableFuture<JsonNode> fetch(URI url) {
    HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
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

  private record Cached(Instant at, Optional<Map<String, Spent>> spend) {}
}
