package dev.switchboard.operator.evaluation;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads {@code GET /admin/evaluations} from every gateway replica of a namespace (on the admin
 * port, next to the {@code /metrics} the operator already scrapes). A replica that does not answer
 * is skipped this time and named ({@link EvaluationTracker.Collected#unanswered}): its sums are
 * cumulative, so nothing is lost if it answers later — which the final read waits for, within
 * {@link EvaluationTracker#FINAL_GRACE}.
 *
 * <p>A replica that is shutting down (its pod terminating, no longer ready) is read too: it keeps
 * its admin port up until a read covered every pair it counted, since its next instance starts from
 * zero. Its last report is remembered for {@link #KEEP_LEAVING} and handed to every collection of
 * the namespace meanwhile (folding a cumulative report twice adds nothing), so the evaluations of
 * all its routes get its last pairs, even those collected after it exited. One that does not answer
 * is not named: it is leaving, and a collection does not wait for it.
 */
public final class GatewayEvaluationSource implements EvaluationTracker.Reports {

  /**
   * How long the last report of a replica that was shutting down is handed to the collections: many
   * times the 30 s between a route's collections, so every running evaluation folds it.
   */
  static final Duration KEEP_LEAVING = Duration.ofMinutes(10);

  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GatewayTargets targets;
  private final Clock clock;
  private final OperatorCredential credential;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  /** Per namespace and instance, the last report of a replica that was shutting down. */
  private final Map<String, Map<String, Leaving>> leaving = new ConcurrentHashMap<>();

  private record Leaving(JsonNode report, Instant at) {}

  /**
   * @param credential presented with every read (the gateways answer {@code /admin/evaluations} to
   *     the operator only once their consumer table names it)
   */
  public GatewayEvaluationSource(
      GatewayTargets targets, Clock clock, OperatorCredential credential) {
    this.targets = targets;
    this.credential = credential;
    this.clock = clock;
  }

  /** One report per replica that answered. */
  @Override
  public List<JsonNode> reports(String namespace) {
    return collect(namespace).reports();
  }

  /** One report per replica that answered, and the admin address of each that did not. */
  @Override
  public EvaluationTracker.Collected collect(String namespace) {
    List<URI> urls;
    try {
      urls = targets.metricsUrls(namespace);
    } catch (RuntimeException e) {
      return new EvaluationTracker.Collected(
          List.of(), List.of("(gateway replicas could not be listed)"));
    }
    List<URI> terminating;
    try {
      terminating = targets.terminatingMetricsUrls(namespace);
    } catch (RuntimeException e) {
      terminating = List.of();
    }
    List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
    urls.forEach(u -> calls.add(read(u)));
    List<CompletableFuture<JsonNode>> leavingCalls = new ArrayList<>();
    terminating.forEach(u -> leavingCalls.add(read(u)));
    List<JsonNode> reports = new ArrayList<>();
    List<String> unanswered = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      try {
        reports.add(calls.get(i).join());
      } catch (RuntimeException e) {
        // not answering now; its cumulative sums arrive with a later collection
        unanswered.add(urls.get(i).getAuthority());
      }
    }
    Instant now = clock.instant();
    Map<String, Leaving> left = leaving.computeIfAbsent(namespace, ns -> new ConcurrentHashMap<>());
    for (CompletableFuture<JsonNode> call : leavingCalls) {
      try {
        JsonNode report = call.join();
        String instance = report.path("instance").asText("");
        if (!instance.isEmpty()) {
          left.put(instance, new Leaving(report, now));
        }
      } catch (RuntimeException e) {
        // leaving: gone, or about to be; its last report, if read, is remembered below
      }
    }
    left.values().removeIf(l -> !now.isBefore(l.at().plus(KEEP_LEAVING)));
    Set<String> answered = new HashSet<>();
    reports.forEach(r -> answered.add(r.path("instance").asText("")));
    for (Map.Entry<String, Leaving> l : left.entrySet()) {
      if (answered.add(l.getKey())) {
        reports.add(l.getValue().report());
      }
    }
    return new EvaluationTracker.Collected(reports, unanswered);
  }

  private CompletableFuture<JsonNode> read(URI metrics) {
    URI url = metrics.resolve("/admin/evaluations");
    return http.sendAsync(
            credential.authorize(HttpRequest.newBuilder(url)).timeout(TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode());
              }
              try {
                return JSON.readTree(r.body());
              } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
              }
            });
  }
}
