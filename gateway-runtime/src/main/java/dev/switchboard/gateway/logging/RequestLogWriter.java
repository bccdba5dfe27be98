package dev.switchboard.gateway.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one JSON line per finished request to the logger {@code switchboard.requests} (the bundled
 * logback.xml prints that logger's messages bare, so each line is a JSON document). Bodies are
 * never logged here; keys are never part of the context.
 */
public final class RequestLogWriter {

  /** The logger name, so deployments can route request lines separately. */
  public static final String LOGGER_NAME = "switchboard.requests";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
  private static final JsonFactory JSON = new JsonFactory();

  /** Writes the line for a finished request. */
  public void write(RequestContext ctx) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    LOG.info(toJson(ctx));
  }

  /** Logged bodies are cut here so one huge prompt cannot flood the log pipeline. */
  static final int MAX_LOGGED_BODY_CHARS = 64 * 1024;

  private static String truncate(String body) {
    return body.length() <= MAX_LOGGED_BODY_CHARS
        ? body
        : body.substring(0, MAX_LOGGED_BODY_CHARS) + "...[truncated]";
  }

  /** The JSON line for a request (public for tests). */
  public static String toJson(RequestContext ctx) {
    // Streamed straight into the buffer: no intermediate map, boxing or serializer lookups, which
    // the profile showed as a measurable share of the event loop's time per request.
    StringWriter out = new StringWriter(512);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      PlannedTarget target = ctx.target();
      json.writeStartObject();
      json.writeStringField("ts", Instant.now().toString());
      json.writeStringField("type", "request");
      json.writeStringField("request_id", ctx.requestId());
      json.writeStringField("operation", ctx.operation().otelName());
      json.writeBooleanField("stream", ctx.stream());
      json.writeStringField("route", ctx.route() == null ? null : ctx.routeName());
      json.writeStringField(
          "config_version", ctx.snapshot() == null ? null : ctx.snapshot().configVersion());
      json.writeStringField("provider", target == null ? null : target.provider().name());
      json.writeStringField("target_model", target == null ? null : target.target().model());
      json.writeStringField("arm", target == null ? null : target.arm());
      json.writeStringField("model_version", ctx.upstreamModel());
      json.writeStringField("system_fingerprint", ctx.systemFingerprint());
      json.writeNumberField("status", ctx.status());
      json.writeStringField("outcome", ctx.outcome());
      json.writeStringField("error_class", ctx.errorClass());
      List<RequestContext.Attempt> attempts = ctx.attempts();
      json.writeNumberField("attempts", attempts.size());
      json.writeArrayFieldStart("attempt_outcomes");
      for (RequestContext.Attempt attempt : attempts) {
        json.writeString(attempt.targetId() + ":" + attempt.outcome());
      }
      json.writeEndArray();
      json.writeNumberField("latency_ms", Math.round(ctx.durationSeconds() * 1000 * 10) / 10.0);
      Double ttftMs = ctx.ttftMs();
      if (ttftMs == null) {
        json.writeNullField("ttft_ms");
      } else {
        json.writeNumberField("ttft_ms", Math.round(ttftMs * 10) / 10.0);
      }
      TokenUsage usage = ctx.usage();
      if (usage != null) {
        json.writeNumberField("input_tokens", usage.inputTokens());
        json.writeNumberField("output_tokens", usage.outputTokens());
        json.writeNumberField("cached_tokens", usage.cachedInputTokens());
      }
      Double cost = ctx.costUsd();
      if (cost == null) {
        json.writeNullField("cost_usd");
      } else {
        json.writeNumberField("cost_usd", cost.doubleValue());
      }
      json.writeStringField("finish_reason", ctx.finishReason());
      // Bodies only when the route's policy opted in (logging.bodies: full); streamed answers are
      // not reassembled for the log.
      if (ctx.loggedRequestBody() != null) {
        json.writeStringField("request_body", truncate(ctx.loggedRequestBody()));
      }
      if (ctx.loggedResponseBody() != null) {
        json.writeStringField("response_body", truncate(ctx.loggedResponseBody()));
      }
      // No cache exists yet (later issue); the field is kept so log consumers need no change then.
      json.writeStringField("cache", "none");
      json.writeEndObject();
    } catch (IOException e) {
      // A StringWriter does not fail; keep a parseable line should the generator ever throw.
      return "{\"type\":\"request\",\"request_id\":\"" + ctx.requestId() + "\"}";
    }
    return out.toString();
  }
}
