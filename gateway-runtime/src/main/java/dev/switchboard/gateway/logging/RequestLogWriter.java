package dev.switchboard.gateway.logging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.request.RequestContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
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
  private static final ObjectMapper JSON = new ObjectMapper();

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
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("ts", Instant.now().toString());
    line.put("type", "request");
    line.put("request_id", ctx.requestId());
    line.put("operation", ctx.operation().otelName());
    line.put("stream", ctx.stream());
    line.put("route", ctx.route() == null ? null : ctx.routeName());
    line.put("config_version", ctx.snapshot() == null ? null : ctx.snapshot().configVersion());
    line.put("provider", ctx.target() == null ? null : ctx.target().provider().name());
    line.put("target_model", ctx.target() == null ? null : ctx.target().target().model());
    line.put("arm", ctx.target() == null ? null : ctx.target().arm());
    line.put("model_version", ctx.upstreamModel());
    line.put("system_fingerprint", ctx.systemFingerprint());
    line.put("status", ctx.status());
    line.put("outcome", ctx.outcome());
    line.put("error_class", ctx.errorClass());
    line.put("attempts", ctx.attempts().size());
    line.put(
        "attempt_outcomes",
        ctx.attempts().stream().map(a -> a.targetId() + ":" + a.outcome()).toList());
    line.put("latency_ms", Math.round(ctx.durationSeconds() * 1000 * 10) / 10.0);
    line.put("ttft_ms", ctx.ttftMs() == null ? null : Math.round(ctx.ttftMs() * 10) / 10.0);
    if (ctx.usage() != null) {
      line.put("input_tokens", ctx.usage().inputTokens());
      line.put("output_tokens", ctx.usage().outputTokens());
      line.put("cached_tokens", ctx.usage().cachedInputTokens());
    }
    line.put("cost_usd", ctx.costUsd());
    line.put("finish_reason", ctx.finishReason());
    // Bodies only when the route's policy opted in (logging.bodies: full); streamed answers are
    // not reassembled for the log.
    if (ctx.loggedRequestBody() != null) {
      line.put("request_body", truncate(ctx.loggedRequestBody()));
    }
    if (ctx.loggedResponseBody() != null) {
      line.put("response_body", truncate(ctx.loggedResponseBody()));
    }
    // No cache exists yet (later issue); the field is kept so log consumers need no change then.
    line.put("cache", "none");
    try {
      return JSON.writeValueAsString(line);
    } catch (JsonProcessingException e) {
      return "{\"type\":\"request\",\"request_id\":\"" + ctx.requestId() + "\"}";
    }
  }
}
