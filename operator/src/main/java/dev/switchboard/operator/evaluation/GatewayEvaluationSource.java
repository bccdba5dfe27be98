package dev.switchboard.operator.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads {@code GET /admin/evaluations} from every gateway replica of a namespace (on the admin
 * port, next to the {@code /metrics} the operator already scrapes). A replica that does not answer
 * is skipped this time and named ({@link EvaluationTracker.Collected#unanswered}): its sums are
 * cumulative, so nothing is lost if it answers later — which the final read waits for, within
 * {@link EvaluationTracker#FINAL_GRACE}.
 */
public final class GatewayEvaluationSource implements EvaluationTracker.Reports {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GatewayTargets targets;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  public GatewayEvaluationSource(GatewayTargets targets) {
    this.targets = targets;
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
    List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
    for (URI metrics : urls) {
      URI url = metrics.resolve("/admin/evaluations");
      calls.add(
          http.sendAsync(
                  HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(),
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
                  }));
    }
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
    return new EvaluationTracker.Collected(reports, unanswered);
  }
}
