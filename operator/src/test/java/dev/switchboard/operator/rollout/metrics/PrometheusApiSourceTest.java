package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a fake Prometheus that answers {@code /api/v1/query} in the real API's JSON shape. */
class PrometheusApiSourceTest {

  private static final CanaryQuery QUERY =
      new CanaryQuery("team-a", "chat", 2, Duration.ofSeconds(30), "prometheus", null);

  private HttpServer server;
  private final List<String> queries = new CopyOnWriteArrayList<>();
  private volatile Function<String, String> answers;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/api/v1/query",
        exchange -> {
          String raw = exchange.getRequestURI().getRawQuery();
          String promql =
              URLDecoder.decode(raw.substring(raw.indexOf("query=") + 6), StandardCharsets.UTF_8);
          queries.add(promql);
          String json = answers.apply(promql);
          int status = json.contains("\"error\"") ? 400 : 200;
          byte[] body = json.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static String vector(Map<String, String> valueByArm) {
    StringBuilder result = new StringBuilder();
    valueByArm.forEach(
        (arm, value) -> {
          if (!result.isEmpty()) {
            result.append(',');
          }
          result
              .append("{\"metric\":{\"arm\":\"")
              .append(arm)
              .append("\"},\"value\":[1764072000.123,\"")
              .append(value)
              .append("\"]}");
        });
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + result
        + "]}}";
  }

  @Test
  void buildsBothArmsFromPromqlOverTheAnalysisInterval() {
    answers =
        promql -> {
          if (promql.contains("histogram_quantile") && promql.contains("time_to_first_token")) {
            return vector(Map.of("canary", "0.9", "stable", "0.3"));
          }
          if (promql.contains("histogram_quantile")) {
            return vector(Map.of("canary", "1.2", "stable", "0.8", "none", "NaN"));
          }
          if (promql.contains("outcome!=\"success\"")) {
            return vector(Map.of("canary", "3.0000001"));
          }
          if (promql.contains("upstream_attempts")) {
            return vector(Map.of("canary", "99.6", "stable", "900.2"));
          }
          if (promql.contains("token_usage")) {
            return vector(Map.of("canary", "150", "stable", "100"));
          }
          if (promql.contains("operation_duration_seconds_count")) {
            return vector(Map.of("canary", "96", "stable", "900"));
          }
          if (promql.contains("refusals")) {
            return vector(Map.of("canary", "2"));
          }
          return vector(Map.of());
        };
    PrometheusApiSource source = new PrometheusApiSource(url(), "namespace");

    CanaryWindow window = source.collect(QUERY).orElseThrow();

    assertThat(window.canary().requests()).isEqualTo(100);
    assertThat(window.canary().errors()).isEqualTo(3);
    assertThat(window.stable().requests()).isEqualTo(900);
    assertThat(window.stable().errors()).isZero();
    assertThat(window.canary().latencyP95Seconds()).isEqualTo(1.2);
    assertThat(window.canary().ttftP95Seconds()).isEqualTo(0.9);
    assertThat(window.canary().outputTokensPerRequest()).isCloseTo(150.0, within(1e-9));
    assertThat(window.canary().refusalRate()).isCloseTo(2.0 / 96, within(1e-9));
    assertThat(window.stable().refusalRate()).isZero();
    assertThat(queries)
        .allSatisfy(
            q -> assertThat(q).contains("route=\"chat\",namespace=\"team-a\"").contains("[30s]"));
    assertThat(queries)
        .anySatisfy(
            q ->
                assertThat(q)
                    .startsWith("histogram_quantile(0.95, sum by (le, arm) (increase(")
                    .contains("gen_ai_client_operation_duration_seconds_bucket"));
  }

  @Test
  void aFailedQueryMakesTheSourceUnavailable() {
    answers =
        promql ->
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 3\"}";
    PrometheusApiSource source = new PrometheusApiSource(url(), null);
    assertThatThrownBy(() -> source.collect(QUERY))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class)
        .hasMessageContaining("bad_data");
  }

  @Test
  void anUnreachableServerMakesTheSourceUnavailable() {
    URI closed = url();
    server.stop(0);
    PrometheusApiSource source = new PrometheusApiSource(closed, null);
    assertThatThrownBy(() -> source.collect(QUERY))
        .isInstanceOf(CanaryMetricsSource.MetricsUnavailableException.class);
  }
}
