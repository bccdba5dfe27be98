package dev.switchboard.gateway.metrics;

import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ReloadResult;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's Prometheus metrics. Names follow the OpenTelemetry GenAI semantic conventions where
 * one exists ({@code gen_ai.client.operation.duration}, {@code gen_ai.client.token.usage}, {@code
 * gen_ai.server.time_to_first_token}, {@code gen_ai.server.time_per_output_token}); the rest are
 * {@code switchboard_*}. Tags are bounded by the routing table (route, provider, target model,
 * canary arm) plus small fixed sets (outcome, error class, token type): never request ids, users or
 * free text.
 */
public final class GatewayMetrics {

  private final PrometheusMeterRegistry registry;
  private final AtomicReference<String> configVersion = new AtomicReference<>();

  /**
   * A native Prometheus info metric, because Micrometer strips the {@code _info} suffix of gauges;
   * exposed as {@code switchboard_config_version_info{config_version="sha256:..."} 1}.
   */
  private final Info configVersionInfo;

  public GatewayMetrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder("switchboard_config_loaded", () -> configVersion.get() == null ? 0 : 1)
        .description("1 once a valid routing table is loaded")
        .register(registry);
    configVersionInfo =
        Info.builder()
            .name("switchboard_config_version_info")
            .help("The routing table version this replica serves")
            .labelNames("config_version")
            .register(registry.getPrometheusRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /** Records the outcome of offering a routing document. */
  public void configReload(ReloadResult result) {
    Counter.builder("switchboard_config_reload")
        .description("Routing documents offered to the gateway, by result")
        .tag("result", result.result())
        .register(registry)
        .increment();
    if (result.applied()) {
      // Only the running version is present: a dashboard can count replicas per version.
      configVersionInfo.setLabelValues(result.configVersion());
      configVersion.set(result.configVersion());
    }
  }

  /** Records the end of one upstream attempt. */
  public void attempt(RequestContext ctx, PlannedTarget target, UpstreamFailure failureOrNull) {
    Counter.builder("switchboard_upstream_attempts")
        .description("Upstream attempts by target and outcome")
        .tags(targetTags(ctx.routeName(), target))
        .tag("outcome", failureOrNull == null ? "success" : failureOrNull.kind().label())
        .register(registry)
        .increment();
    if (failureOrNull != null) {
      Counter.builder("switchboard_upstream_errors")
          .description("Failed upstream attempts by error class")
          .tags(targetTags(ctx.routeName(), target))
          .tag("error_class", failureOrNull.kind().label())
          .register(registry)
          .increment();
    }
  }

  /** Records a finished request (success or error). */
  public void request(RequestContext ctx) {
    PlannedTarget target = ctx.target();
    Tags tags =
        targetTags(ctx.routeName(), target)
            .and("operation", ctx.operation().otelName())
            .and("outcome", ctx.outcome())
            .and("stream", Boolean.toString(ctx.stream()));
    Timer.builder("gen_ai.client.operation.duration")
        .description("Duration of gateway requests, from arrival to last byte")
        .tags(tags)
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofMinutes(10))
        .register(registry)
        .record((long) (ctx.durationSeconds() * 1e9), TimeUnit.NANOSECONDS);
    if (ctx.errorClass() != null) {
      Counter.builder("switchboard_errors")
          .description("Requests answered with an error, by class")
          .tags(targetTags(ctx.routeName(), target))
          .tag("error_class", ctx.errorClass())
          .register(registry)
          .increment();
    }
    if (target == null) {
      return;
    }
    Tags targetOnly = targetTags(ctx.routeName(), target);
    Double ttftMs = ctx.ttftMs();
    if (ttftMs != null && ctx.stream()) {
      Timer.builder("gen_ai.server.time_to_first_token")
          .description("Time from request arrival to the first streamed token")
          .tags(targetOnly)
          .publishPercentileHistogram()
          .maximumExpectedValue(Duration.ofMinutes(2))
          .register(registry)
          .record((long) (ttftMs * 1e6), TimeUnit.NANOSECONDS);
    }
    TokenUsage usage = ctx.usage();
    if (usage != null) {
      tokens(targetOnly, "input", usage.inputTokens());
      tokens(targetOnly, "output", usage.outputTokens());
      tokens(targetOnly, "cached", usage.cachedInputTokens());
      Double generation = ctx.generationSeconds();
      if (generation != null && ctx.stream() && usage.outputTokens() > 1) {
        Timer.builder("gen_ai.server.time_per_output_token")
            .description("Time per output token after the first (the inverse of tokens/s)")
            .tags(targetOnly)
            .publishPercentileHistogram()
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry)
            .record((long) (generation * 1e9 / (usage.outputTokens() - 1)), TimeUnit.NANOSECONDS);
      }
    }
    if (ctx.costUsd() != null) {
      Counter.builder("switchboard_cost")
          .description("Cost of served requests from the table's prices")
          .baseUnit("usd")
          .tags(targetOnly)
          .register(registry)
          .increment(ctx.costUsd());
    }
    if ("content_filter".equals(ctx.finishReason()) || ctx.refused()) {
      Counter.builder("switchboard_refusals")
          .description(
              "Refusals: finish_reason content_filter or a refusal in the message or delta")
          .tags(targetOnly)
          .register(registry)
          .increment();
    }
  }

  private void tokens(Tags tags, String type, long count) {
    // Unit and attribute as the OTel convention names them: exported as
    // gen_ai_client_token_usage_tokens{gen_ai_token_type=...}, which the operator's canary
    // analysis reads.
    DistributionSummary.builder("gen_ai.client.token.usage")
        .description("Tokens per request by type (input, output, cached)")
        .baseUnit("tokens")
        .tags(tags)
        .tag("gen_ai.token.type", type)
        .register(registry)
        .record(count);
  }

  private static Tags targetTags(String route, PlannedTarget target) {
    return Tags.of(
        "route", route,
        "provider", target == null ? "none" : target.provider().name(),
        "target_model", target == null ? "none" : target.target().model(),
        "arm", target == null ? "none" : target.arm());
  }
}
