package dev.switchboard.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import dev.switchboard.gateway.upstream.adapter.UpstreamError;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps whatever ended a request to the OpenAI-shaped error the client sees. Upstream failures map
 * by kind: timeout → 504, rate limited → 429, unreachable or keyless → 503, upstream 5xx or a
 * broken body → 502, a request the upstream rejected → the upstream's own 4xx and message, and the
 * upstream refusing our credentials → 502 that says it is a gateway configuration problem (never
 * the key, never the upstream's body, which may echo it), a target whose model is gone or whose
 * account is out of credit → 502 in the gateway's words, a stream gone silent → 504.
 *
 * <p>The client gets a fixed message per kind plus the request id, never the gateway's internals
 * (provider and target names, addresses, exception texts); those go to one WARN log line with the
 * same request id, where the operator looks them up.
 */
public final class ErrorMapping {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

  /** The error class of a request that found every target unavailable and sent nothing upstream. */
  public static final String NO_TARGET_AVAILABLE = "no_target_available";

  private ErrorMapping() {}

  public static OpenAiError toOpenAiError(Throwable err, RequestContext ctx) {
    if (err instanceof ApiException api) {
      return api.error();
    }
    if (!(err instanceof UpstreamFailure f)) {
      LOG.warn("request {} failed in the gateway", ctx.requestId(), err);
      return OpenAiError.internal("Unexpected gateway error." + requestId(ctx));
    }
    String id = requestId(ctx);
    if (f.heldBack()) {
      // Nothing was sent: the providers' own limits hold every target back. Not an upstream
      // failure, so no WARN claiming one (the request log line says held_back); the client is
      // told when to come back, as by a provider's 429.
      LOG.debug(
          "request {} held back, nothing sent upstream (route {}): {}",
          ctx.requestId(),
          ctx.routeName(),
          f.getMessage());
      return new OpenAiError(
          429,
          "Every upstream target is at its provider's limit; retry later." + id,
          "rate_limit_error",
          null,
          "rate_limit_exceeded",
          "held_back");
    }
    if (f.nothingSent()) {
      // Every target was skipped (unhealthy, breaker open, bulkhead full): no upstream failed
      // this request, so no WARN per request claims one; the skips are metered where they happen.
      LOG.debug(
          "request {} found no target available, nothing sent upstream (route {}): {}",
          ctx.requestId(),
          ctx.routeName(),
          f.getMessage());
    } else if (f.kind() != FailureKind.CLIENT_CANCELLED
        && f.kind() != FailureKind.REQUEST_REJECTED) {
      LOG.warn(
          "request {} failed upstream ({}): {} (route {}, {} attempt(s): {})",
          ctx.requestId(),
          f.kind().label(),
          f.getMessage(),
          ctx.routeName(),
          ctx.attempts().size(),
          ctx.attempts().stream()
              .map(a -> a.targetId() + ":" + a.outcome())
              .collect(Collectors.joining(", ")));
    }
    return switch (f.kind()) {
      case TIMEOUT ->
          new OpenAiError(
              504,
              "The upstream provider did not answer in time." + id,
              "timeout_error",
              null,
              "upstream_timeout",
              "timeout");
      case RATE_LIMITED ->
          new OpenAiError(
              429,
              "Every upstream target is rate limited; retry later." + id,
              "rate_limit_error",
              null,
              "rate_limit_exceeded",
              "upstream_rate_limited");
      case CONNECT, NO_KEY ->
          new OpenAiError(
              503,
              "No upstream target could serve the request." + id,
              "service_unavailable",
              null,
              "no_healthy_target",
              f.kind() == FailureKind.NO_KEY
                  ? "no_key"
                  : f.nothingSent() ? NO_TARGET_AVAILABLE : "connect");
      case SERVER_ERROR, BAD_RESPONSE ->
          new OpenAiError(
              502,
              "The upstream provider could not answer this request." + id,
              "upstream_error",
              null,
              "bad_gateway",
              f.kind().label());
      case AUTH_REJECTED -> upstreamAuthFailed(id);
      case TARGET_UNUSABLE -> targetUnusable(f, id);
      case STREAM_STALLED ->
          new OpenAiError(
              504,
              "The upstream provider's stream stalled." + id,
              "timeout_error",
              null,
              "upstream_stream_stalled",
              "stream_stalled");
      case REQUEST_REJECTED -> upstreamRejection(f, ctx);
      case CLIENT_CANCELLED ->
          new OpenAiError(
              499,
              "Client closed the request.",
              "invalid_request_error",
              null,
              null,
              "client_cancelled");
      case INTERNAL -> OpenAiError.internal("Unexpected gateway error." + id);
    };
  }

  /**
   * The upstream closed a stream that had started before its final event (a clean end of the body,
   * not a reset): the one terminal error event of such a stream, so it never looks complete.
   */
  public static OpenAiError streamTruncated() {
    return new OpenAiError(
        502,
        "The upstream provider ended the stream before it was complete.",
        "upstream_error",
        null,
        "stream_truncated",
        "stream_truncated");
  }

  /** The upstream's connection broke (a reset) after the stream started: its terminal error. */
  public static OpenAiError streamConnectionLost() {
    return new OpenAiError(
        502,
        "The upstream provider's connection was lost mid-stream.",
        "upstream_error",
        null,
        "upstream_connection_lost",
        "stream_broken");
  }

  /**
   * The provider refused the gateway's own key: a fixed 502 (never the provider's 401/403, which
   * would make the client's SDK blame the client's key, nor its body).
   *
   * @param requestIdText the request id sentence appended to the message, or ""
   */
  static OpenAiError upstreamAuthFailed(String requestIdText) {
    return new OpenAiError(
        502,
        "The upstream provider rejected the gateway's credentials: the provider key in the"
            + " gateway configuration is wrong or missing."
            + requestIdText,
        "upstream_error",
        null,
        "upstream_auth_failed",
        "upstream_auth");
  }

  /**
   * Every target left could not serve for a lasting reason of the gateway's own (a model the
   * provider no longer serves, an account out of credit): a fixed 502 in the gateway's words, never
   * the provider's status (a 404 for a model the gateway lists, a quota error that blames the
   * client) nor its message (which names internal deployments).
   */
  private static OpenAiError targetUnusable(UpstreamFailure f, String requestIdText) {
    if (f.scope() == FailureScope.ENDPOINT) {
      return new OpenAiError(
          502,
          "The upstream provider does not know the endpoint this route's target is configured"
              + " with (its base URL, API version or deployment), and no other target could serve"
              + " the request."
              + requestIdText,
          "upstream_error",
          null,
          "upstream_endpoint_not_found",
          "upstream_endpoint_not_found");
    }
    if (f.scope() == FailureScope.MODEL) {
      return new OpenAiError(
          502,
          "The upstream provider does not serve the model this route is configured with, and no"
              + " other target could serve the request."
              + requestIdText,
          "upstream_error",
          null,
          "upstream_model_not_found",
          "upstream_model_not_found");
    }
    return upstreamQuotaExhausted(requestIdText);
  }

  /**
   * The gateway's account with the provider is out of credit and nothing else could serve: a fixed
   * 502 (never the provider's "you exceeded your quota", which blames the client).
   *
   * @param requestIdText the request id sentence appended to the message, or ""
   */
  public static OpenAiError upstreamQuotaExhausted(String requestIdText) {
    return new OpenAiError(
        502,
        "The gateway's account with the upstream provider is out of credit or quota, and no other"
            + " target could serve the request."
            + requestIdText,
        "upstream_error",
        null,
        "upstream_quota_exhausted",
        "upstream_quota_exhausted");
  }

  /** " Request id: …." for a message; the client quotes it, the operator finds the log line. */
  private static String requestId(RequestContext ctx) {
    return ctx == null || ctx.requestId() == null ? "" : " Request id: " + ctx.requestId() + ".";
  }

  /**
   * The upstream's own 4xx, keeping its message/param/code (and Azure's {@code innererror}: which
   * content filter refused the prompt) as the rejecting target's adapter reads them from its error
   * body (the caller scrubbed the provider key from it). Without a readable body, a fixed message
   * with the status.
   */
  private static OpenAiError upstreamRejection(UpstreamFailure f, RequestContext ctx) {
    String message = null;
    String type = "invalid_request_error";
    String param = null;
    String code = null;
    JsonNode innerError = null;
    if (f.upstreamBody() != null && ctx.target() != null) {
      UpstreamError error =
          UpstreamAdapters.forProvider(ctx.target().provider()).decodeError(f.upstreamBody());
      if (error != null) {
        message = error.message();
        type = error.type() != null ? error.type() : type;
        param = error.param();
        code = error.code();
        innerError = error.innerError();
      }
    }
    return new OpenAiError(
        f.upstreamStatus(),
        message == null
            ? "The upstream provider rejected the request (HTTP "
                + f.upstreamStatus()
                + ")."
                + requestId(ctx)
            : message,
        type,
        param,
        code,
        "upstream_rejected",
        innerError);
  }
}
