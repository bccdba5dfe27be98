package dev.switchboard.operator.rollout.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A gateway replica's {@code /metrics} on a real loopback HTTP server, exposing per-arm counters in
 * the names and labels the gateway uses; the test sets the cumulative values.
 */
public final class FakeGatewayReplica implements AutoCloseable {

  /** Cumulative per-arm figures: requests all answered at {@code latencySeconds}. */
  public record Arm(
      long attempts, long failed, double latencySeconds, long outputTokens, long refusals) {}

  private final HttpServer server;
  private final ConcurrentMap<String, Arm> arms = new ConcurrentHashMap<>();
  private final String route;

  public FakeGatewayReplica(String route) {
    this.route = route;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = exposition().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  public URI metricsUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
  }

  /** The cumulative figures last set for {@code arm}. */
  Arm arm(String arm) {
    return arms.get(arm);
  }

  public FakeGatewayReplica set(String arm, Arm figures) {
    arms.put(arm, figures);
    return this;
  }

  private String exposition() {
    StringBuilder text = new StringBuilder();
    text.append("# TYPE switchboard_upstream_attempts_total counter\n");
    arms.forEach(
        (arm, a) -> {
          String labels = "arm=\"" + arm + "\",gen_ai_provider_name=\"p\",route=\"" + route + "\"";
          line(
              text,
              "switchboard_upstream_attempts_total",
              labels + ",outcome=\"success\"",
              a.attempts() - a.failed());
          line(
              text,
              "switchboard_upstream_attempts_total",
              labels + ",outcome=\"server_error\"",
              a.failed());
          long answered = a.attempts() - a.failed();
          String duration = labels + ",outcome=\"success\",stream=\"false\"";
          for (double le : new double[] {0.1, 0.5, 1.0, 2.5}) {
            line(
                text,
                "gen_ai_client_operation_duration_seconds_bucket",
                duration + ",le=\"" + le + "\"",
                a.latencySeconds() <= le ? answered : 0);
          }
          line(
              text,
              "gen_ai_client_operation_duration_seconds_bucket",
              duration + ",le=\"+Inf\"",
              answered);
          line(text, "gen_ai_client_operation_duration_seconds_count", duration, answered);
          String output = labels + ",gen_ai_token_type=\"output\"";
          line(text, "gen_ai_client_token_usage_tokens_sum", output, a.outputTokens());
          line(text, "gen_ai_client_token_usage_tokens_count", output, answered);
          line(text, "switchboard_refusals_total", labels, a.refusals());
        });
    text.append("switchboard_config_version_info{config_version=\"sha256:abc\"} 1\n");
    return text.toString();
  }

  private static void line(StringBuilder text, String name, String labels, double value) {
    text.append(name)
        .append('{')
        .append(labels)
        .append("} ")
        .append(String.format(Locale.ROOT, "%.1f", value))
        .append('\n');
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
