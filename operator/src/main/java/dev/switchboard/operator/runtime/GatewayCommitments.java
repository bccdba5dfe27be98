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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Reads {@code GET /admin/commitments} from every gateway replica of a namespace (the admin port,
 * next to {@code /metrics}). With a shared state store every replica reports the same shared use,
 * so the largest report is taken; replicas counting alone report what they served, so theirs are
 * summed. Cached for a second per namespace, so the reconciles of a namespace's endpoints cost one
 * request per replica.
 */
public final class GatewayCommitments implements CommitmentSource {

  static final String PATH = "/admin/commitments";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CACHE_FOR = Duration.ofSeconds(1);

  private final GatewayTargets targets;
  private final Clock clock;
  private final HttpClient http;
  private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();

  public GatewayCommitments(GatewayTargets targets, Clock clock) {
    this.targets = targets;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @Override
  public Optional<Map<String, List<Used>>> commitments(String namespace) {
    Instant now = clock.instant();
    Cached cached = cache.get(namespace);
    if (cached != null && now.isBefore(cached.at().plus(CACHE_FOR))) {
      return cached.commitments();
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
        // A replica that does not answer (or predates the endpoint) is left out.
      }
    }
    Optional<Map<String, List<Used>>> result =
        answered.isEmpty() ? Optional.empty() : Optional.of(combine(answered));
    cache.put(namespace, new Cached(now, result));
    return result;
  }

  /**
   * Shared reports: the largest; per-replica reports: their sum; both added (mixed rollouts). Rows
   * of different months (a report read across midnight at a month's end) keep the latest month.
   */
  static Map<String, List<Used>> combine(List<JsonNode> reports) {
    Map<String, Used> sharedMax = new LinkedHashMap<>();
    Map<String, Used> localSum = new LinkedHashMap<>();
    for (JsonNode report : reports) {
      boolean shared = report.path("shared").asBoolean(false);
      for (JsonNode row : report.path("commitments")) {
        if (!row.hasNonNull("provider") || !row.hasNonNull("month")) {
          continue;
        }
        String provider = row.get("provider").asText();
        String model = row.hasNonNull("model") ? row.get("model").asText() : null;
        Used used =
            new Used(
                model,
                row.path("unit").asText("spend"),
                row.path("committed").asDouble(0),
                row.path("used").asDouble(0),
                row.get("month").asText());
        String key = provider + "\n" + (model == null ? "" : model);
        Map<String, Used> into = shared ? sharedMax : localSum;
        into.merge(
            key,
            used,
            (a, b) -> {
              int byMonth = a.month().compareTo(b.month());
              if (byMonth != 0) {
                return byMonth > 0 ? a : b;
              }
              double merged = shared ? Math.max(a.used(), b.used()) : a.used() + b.used();
              return new Used(a.model(), b.unit(), b.amount(), merged, a.month());
            });
      }
    }
    Map<String, Used> all = new LinkedHashMap<>(sharedMax);
    localSum.forEach(
        (key, u) ->
            all.merge(
                key,
                u,
                (a, b) ->
                    a.month().equals(b.month())
                        ? new Used(a.model(), a.unit(), a.amount(), a.used() + b.used(), a.month())
                        : a.month().compareTo(b.month()) > 0 ? a : b));
    Map<String, List<Used>> byProvider = new TreeMap<>();
    all.forEach(
        (key, u) ->
            byProvider
                .computeIfAbsent(key.substring(0, key.indexOf('\n')), k -> new ArrayList<>())
                .add(u));
    return byProvider;
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

  private record Cached(Instant at, Optional<Map<String, List<Used>>> commitments) {}
}
