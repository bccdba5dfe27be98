package dev.switchboard.operator.rollout.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.Arm;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Canary metrics from a Prometheus server's HTTP API ({@code GET /api/v1/query}): the same gateway
 * series as {@link GatewayScrapeSource} reads, as PromQL over the last analysis interval ({@code
 * increase(...[30s])}, {@code histogram_quantile(0.95, ...)}), grouped by arm. Both arms come from
 * the same instant queries, so they cover the same window.
 *
 * <p>Series are selected by {@code route} and, when configured, by a namespace label that the
 * Prometheus scrape configuration adds (commonly {@code namespace}).
 */
public final class PrometheusApiSource implements CanaryMetricsSource {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI baseUrl;
  private final String namespaceLabel;
  private final HttpClient http;

  /**
   * @param baseUrl the server, e.g. {@code http://prometheus.monitoring:9090}
   * @param namespaceLabel label holding the gateway pod's namespace, or null to not filter by it
   */
  public PrometheusApiSource(URI baseUrl, String namespaceLabel) {
    String text = baseUrl.toString();
    this.baseUrl = URI.create(text.endsWith("/") ? text : text + "/");
    this.namespaceLabel =
        namespaceLabel == null || namespaceLabel.isBlank() ? null : namespaceLabel;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @Override
  public Optional<CanaryWindow> collect(CanaryQuery query) {
    String range = "[" + Math.max(1, query.interval().toSeconds()) + "s]";
    String route = selector(query, "");
    Map<String, Double> attempts =
        byArm(query, "sum by (arm) (increase(" + ArmCounters.ATTEMPTS + route + range + "))");
    Map<String, Double> failed =
        byArm(
            query,
            "sum by (arm) (increase("
                + ArmCounters.ATTEMPTS
                + selector(query, ",outcome!=\"success\"")
                + range
                + "))");
    Map<String, Double> latency =
        byArm(
            query,
            "histogram_quantile(0.95, sum by (le, arm) (increase("
                + ArmCounters.DURATION
                + "_bucket"
                + selector(query, ",outcome=\"success\",stream=\"false\"")
                + range
                + ")))");
    Map<String, Double> ttft =
        byArm(
            query,
            "histogram_quantile(0.95, sum by (le, arm) (increase("
                + ArmCounters.TTFT
                + "_bucket"
                + route
                + range
                + ")))");
    Map<String, Double> answered =
        byArm(
            query,
            "sum by (arm) (increase("
                + ArmCounters.DURATION
                + "_count"
                + selector(query, ",outcome=\"success\"")
                + range
                + "))");
    String output = selector(query, ",gen_ai_token_type=\"output\"");
    Map<String, Double> tokensPerAnswer =
        byArm(
            query,
            "sum by (arm) (increase("
                + ArmCounters.TOKENS
                + "_sum"
                + output
                + range
                + ")) / sum by (arm) (increase("
                + ArmCounters.TOKENS
                + "_count"
                + output
                + range
                + "))");
    Map<String, Double> refusals =
        byArm(query, "sum by (arm) (increase(" + ArmCounters.REFUSALS + route + range + "))");
    return Optional.of(
        new CanaryWindow(
            arm(
                Arm.CANARY.wireName(),
                attempts,
                failed,
                latency,
                ttft,
                answered,
                tokensPerAnswer,
                refusals),
            arm(
                Arm.STABLE.wireName(),
                attempts,
                failed,
                latency,
                ttft,
                answered,
                tokensPerAnswer,
                refusals),
            query.interval()));
  }

  private static ArmMetrics arm(
      String arm,
      Map<String, Double> attempts,
      Map<String, Double> failed,
      Map<String, Double> latency,
      Map<String, Double> ttft,
      Map<String, Double> answered,
      Map<String, Double> tokensPerAnswer,
      Map<String, Double> refusals) {
    // increase() extrapolates, so counts come back fractional: round to whole requests.
    long answeredRequests = Math.round(answered.getOrDefault(arm, 0.0));
    return new ArmMetrics(
        Math.round(attempts.getOrDefault(arm, 0.0)),
        Math.round(failed.getOrDefault(arm, 0.0)),
        latency.get(arm),
        ttft.get(arm),
        answeredRequests,
        tokensPerAnswer.getOrDefault(arm, 0.0) * answeredRequests,
        Math.round(refusals.getOrDefault(arm, 0.0)));
  }

  private String selector(CanaryQuery query, String extra) {
    StringBuilder s = new StringBuilder("{route=\"").append(escape(query.route())).append('"');
    if (namespaceLabel != null) {
      s.append(',')
          .append(namespaceLabel)
          .append("=\"")
          .append(escape(query.namespace()))
          .append('"');
    }
    return s.append(extra).append('}').toString();
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** Runs an instant query and returns its value per {@code arm} label (NaN and Inf dropped). */
  Map<String, Double> byArm(CanaryQuery query, String promql) {
    URI uri =
        baseUrl.resolve("api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new MetricsUnavailableException("Prometheus at " + baseUrl + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MetricsUnavailableException("interrupted while querying Prometheus", e);
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new MetricsUnavailableException(
          "Prometheus answered HTTP " + response.statusCode() + " with no JSON", e);
    }
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new MetricsUnavailableException(
          "Prometheus query failed (HTTP "
              + response.statusCode()
              + "): "
              + body.path("errorType").asText()
              + " "
              + body.path("error").asText());
    }
    Map<String, Double> values = new HashMap<>();
    for (JsonNode series : body.path("data").path("result")) {
      String arm = series.path("metric").path("arm").asText(null);
      JsonNode value = series.path("value");
      if (arm == null || value.size() < 2) {
        continue;
      }
      double number;
      try {
        number = Double.parseDouble(value.get(1).asText());
      } catch (NumberFormatException e) {
        continue;
      }
      if (!Double.isNaN(number) && !Double.isInfinite(number)) {
        values.put(arm, number);
      }
    }
    return values;
  }
}
