package dev.switchboard.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import java.io.IOException;

/**
 * Maps whatever ended a request to the OpenAI-shaped error the client sees. Upstream failures map
 * by kind: timeout → 504, rate limited → 429, unreachable or keyless → 503, upstream 5xx or a
 * broken body → 502, a request the upstream rejected → the upstream's own 4xx and message, and the
 * upstream refusing our credentials → 502 that says it is a gateway configuration problem (never
 * the key, never the upstream's body, which may echo it), a stream gone silent → 504.
 */
final class ErrorMapping {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorMapping() {}

  static OpenAiError toOpenAiError(Throwable err, RequestContext ctx) {
    if (err instanceof ApiException api) {
      return api.error();
    }
    if (!(err instanceof UpstreamFailure f)) {
      return OpenAiError.internal("Unexpected gateway error.");
    }
    String tried = " (route " + ctx.routeName() + ", " + ctx.attempts().size() + " attempt(s))";
    return switch (f.kind()) {
      case TIMEOUT ->
          new OpenAiError(
              504,
              "The upstream provider did not answer in time: " + f.getMessage() + tried,
              "timeout_error",
              null,
              "upstream_timeout",
              "timeout");
      case RATE_LIMITED ->
          new OpenAiError(
              429,
              "Every upstream target is rate limited: " + f.getMessage() + tried,
              "rate_limit_error",
              null,
              "rate_limit_exceeded",
              "upstream_rate_limited");
      case CONNECT, NO_KEY ->
          new OpenAiError(
              503,
              "No upstream target could serve the request: " + f.getMessage() + tried,
              "service_unavailable",
              null,
              "no_healthy_target",
              f.kind() == dev.switchboard.gateway.upstream.FailureKind.NO_KEY
                  ? "no_key"
                  : "connect");
      case SERVER_ERROR, BAD_RESPONSE ->
          new OpenAiError(
              502,
              "The upstream provider failed: " + f.getMessage() + tried,
              "upstream_error",
              null,
              "bad_gateway",
              f.kind().label());
      case AUTH_REJECTED ->
          new OpenAiError(
              502,
              "The upstream provider rejected the gateway's credentials ("
                  + f.getMessage()
                  + "): the provider key in the gateway configuration is wrong or missing.",
              "upstream_error",
              null,
              "upstream_auth_failed",
              "upstream_auth");
      case STREAM_STALLED ->
          new OpenAiError(
              504,
              "The upstream provider's stream stalled: " + f.getMessage() + tried,
              "timeout_error",
              null,
              "upstream_stream_stalled",
              "stream_stalled");
      case REQUEST_REJECTED -> upstreamRejection(f);
      case CLIENT_CANCELLED ->
          new OpenAiError(
              499,
              "Client closed the request.",
              "invalid_request_error",
              null,
              null,
              "client_cancelled");
    };
  }

  /** The upstream's own 4xx, keeping its message/param/code when it is OpenAI-shaped. */
  private static OpenAiError upstreamRejection(UpstreamFailure f) {
    int status = f.upstreamStatus();
    String message = f.getMessage();
    String type = "invalid_request_error";
    String param = null;
    String code = null;
    if (f.upstreamBody() != null) {
      try {
        JsonNode error = JSON.readTree(f.upstreamBody().getBytes()).path("error");
        if (error.isObject()) {
          message = ProxyHandler.textOrNull(error.get("message"));
          type = error.hasNonNull("type") ? error.get("type").asText() : type;
          param = ProxyHandler.textOrNull(error.get("param"));
          code = ProxyHandler.textOrNull(error.get("code"));
        }
      } catch (IOException | RuntimeException ignored) {
        // Not JSON: the generic message above is all we can say.
      }
    }
    return new OpenAiError(
        status, message == null ? f.getMessage() : message, type, param, code, "upstream_rejected");
  }
}
