package dev.switchboard.mock;

import dev.switchboard.mock.anthropic.AnthropicPayloads;
import dev.switchboard.mock.fault.FaultSpec;
import dev.switchboard.mock.gemini.GeminiPayloads;
import dev.switchboard.mock.openai.OpenAiPayloads;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Error answers in the provider's own shape: OpenAI's {@code {"error":{message,type,param,code}}}
 * Azure's {@code {"error":{code,message}}} or Anthropic's {@code {"type":"error","error":{type,
 * message}}}, with the providers' real messages and types.
 */
final class ErrorReplies {

  private ErrorReplies() {}

  static JsonObject statusBody(ApiShape api, int status, String model) {
    return statusBody(api, status, model, null, null);
  }

  /**
   * The credentials header as the request carried it ({@code Authorization: Bearer sk-…} or {@code
   * api-key: …}), for the {@code echo-auth} fault: what a careless provider puts into its messages.
   * Only that fault sends it back.
   */
  static String receivedCredentials(HttpServerRequest req) {
    String auth = req.getHeader("authorization");
    if (auth != null) {
      return "Authorization: " + auth;
    }
    String key = req.getHeader("api-key");
    if (key != null) {
      return "api-key: " + key;
    }
    String goog = req.getHeader("x-goog-api-key");
    if (goog != null) {
      return "x-goog-api-key: " + goog;
    }
    String anthropicKey = req.getHeader("x-api-key");
    return anthropicKey != null ? "x-api-key: " + anthropicKey : "no credentials";
  }

  /**
   * A 404 for a model the provider does not serve, as each provider words it: OpenAI's {@code
   * model_not_found}, Azure's {@code DeploymentNotFound}, Anthropic's {@code not_found_error}
   * {@code "model: …"}, Google's {@code NOT_FOUND} for {@code models/…}.
   */
  static JsonObject modelNotFound(ApiShape api, String model) {
    return switch (api) {
      case ANTHROPIC -> AnthropicPayloads.error("not_found_error", "model: " + model);
      case GEMINI ->
          GeminiPayloads.error(404, "NOT_FOUND", GeminiPayloads.messageOf(404, model), null, null);
      case AZURE ->
          OpenAiPayloads.azureError(
              "DeploymentNotFound",
              "The API deployment for this resource does not exist. If you created the"
                  + " deployment within the last 5 minutes, please wait a moment and try"
                  + " again.");
      default ->
          OpenAiPayloads.error(
              "The model `" + model + "` does not exist or you do not have access to it.",
              "invalid_request_error",
              null,
              "model_not_found");
    };
  }

  /** The fault code ({@code status:400;code=…}) of Anthropic's "credit balance is too low". */
  static final String CREDIT_TOO_LOW_CODE = "credit_balance_too_low";

  /** Anthropic's message of its 400 for an account without credit. */
  static final String CREDIT_TOO_LOW =
      "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to"
          + " upgrade or purchase credits.";

  /** OpenAI's message for {@code insufficient_quota}: the account is out of credit. */
  static final String NO_CREDIT =
      "You exceeded your current quota, please check your plan and billing details. For"
          + " more information on this error, read the docs:"
          + " https://platform.openai.com/docs/guides/error-codes/api-errors.";

  /**
   * @param echo appended to the message when not null ({@code echo-auth})
   * @param code the error's {@code code} ({@code status:N;code=…}), or null for the status's own;
   *     {@code insufficient_quota} is OpenAI's out-of-credit answer, its type and message included
   */
  static JsonObject statusBody(ApiShape api, int status, String model, String echo, String code) {
    if (status == 404 && echo == null && code == null) {
      // A status:404 fault is a model the provider no longer serves (retired, deployment deleted).
      return modelNotFound(api, model);
    }
    if (api == ApiShape.ANTHROPIC && CREDIT_TOO_LOW_CODE.equals(code)) {
      // Anthropic's older answer to an account without credit: a 400 invalid_request_error.
      return AnthropicPayloads.error(
          "invalid_request_error",
          echo == null ? CREDIT_TOO_LOW : CREDIT_TOO_LOW + " Request received with " + echo);
    }
    if (api == ApiShape.AZURE && status == 400 && "content_filter".equals(code)) {
      // Azure's prompt filter: the category that refused in innererror.content_filter_result.
      return OpenAiPayloads.azurePromptFiltered(echo);
    }
    if (api == ApiShape.AZURE && status == 404 && "404".equals(code)) {
      // Azure's answer to a path it does not know: a wrong endpoint, api-version or deployment.
      return OpenAiPayloads.azureError("404", "Resource not found");
    }
    if (api == ApiShape.ANTHROPIC) {
      // With a code the error is not the status's usual one (a 404 for something else than the
      // model), so neither is the message.
      String message =
          code != null
              ? "Mock provider fault: HTTP " + status + " (" + code + ")."
              : AnthropicPayloads.errorMessage(status, model);
      return AnthropicPayloads.error(
          code != null ? code : AnthropicPayloads.errorType(status),
          echo == null ? message : message + " Request received with " + echo);
    }
    String azureCode = code != null ? code : String.valueOf(status);
    String message;
    String type;
    switch (code == null ? status : -1) {
      case -1 -> {
        boolean noCredit = "insufficient_quota".equals(code);
        message = noCredit ? NO_CREDIT : "Mock provider fault: HTTP " + status + " (" + code + ").";
        type =
            noCredit
                ? "insufficient_quota"
                : status >= 500 ? "server_error" : "invalid_request_error";
      }
      case 429 -> {
        message =
            "Rate limit reached for "
                + model
                + " in organization org-mock on requests per min (RPM): Limit 3, Used 3,"
                + " Requested 1. Please try again later.";
        type = "requests";
        code = "rate_limit_exceeded";
      }
      case 500 -> {
        message = "The server had an error while processing your request. Sorry about that!";
        type = "server_error";
      }
      case 503 -> {
        message = "The engine is currently overloaded, please try again later.";
        type = "server_error";
      }
      default -> {
        message = "Mock provider fault: HTTP " + status + ".";
        type = status >= 500 ? "server_error" : "invalid_request_error";
      }
    }
    if (echo != null) {
      message = message + " Request received with " + echo;
    }
    return api == ApiShape.AZURE
        ? OpenAiPayloads.azureError(azureCode, message)
        : OpenAiPayloads.error(message, type, null, code);
  }

  /**
   * A status fault in Google's envelope: RESOURCE_EXHAUSTED carries the fault's {@code
   * retry-after}/{@code retry-after-ms} as RetryInfo's {@code retryDelay} (Google's only channel
   * for it); {@code status:429;code=per-day} names a per-day quota in its QuotaFailure instead of
   * the per-minute one (with RetryInfo only when a retry-after is given); {@code
   * status:400;code=failed-precondition} is Google's 400 {@code FAILED_PRECONDITION} for a project
   * without billing where the free tier is unavailable.
   */
  static JsonObject geminiStatusBody(FaultSpec f, String model, HttpServerRequest req) {
    int status = f.status();
    String message = GeminiPayloads.messageOf(status, model);
    if (f.echoAuth()) {
      message = message + " Request received with " + receivedCredentials(req);
    }
    String delay = null;
    if (f.retryAfterMs() != null) {
      delay = BigDecimal.valueOf(f.retryAfterMs(), 3).stripTrailingZeros().toPlainString() + "s";
    } else if (f.retryAfterSeconds() != null) {
      delay = f.retryAfterSeconds() + "s";
    }
    if (status == 429 && PER_DAY_CODE.equals(f.errorCode())) {
      return GeminiPayloads.quotaError(message, delay, GeminiPayloads.PER_DAY_QUOTA);
    }
    if (status == 400 && FAILED_PRECONDITION_CODE.equals(f.errorCode())) {
      return GeminiPayloads.error(400, "FAILED_PRECONDITION", FREE_TIER_UNAVAILABLE, null, null);
    }
    return GeminiPayloads.error(
        status, GeminiPayloads.statusOf(status), message, status == 429 ? delay : null, null);
  }

  /** The fault code ({@code status:429;code=…}) of Gemini's per-day quota used up. */
  static final String PER_DAY_CODE = "per-day";

  /**
   * The fault code ({@code status:400;code=…}) of Gemini's 400 {@code FAILED_PRECONDITION}: the
   * project cannot use the API from where it calls (no billing where the free tier is unavailable).
   */
  static final String FAILED_PRECONDITION_CODE = "failed-precondition";

  /** Google's message of that error, as its troubleshooting guide gives it. */
  static final String FREE_TIER_UNAVAILABLE =
      "Gemini API free tier is not available in your country. Please enable billing on your"
          + " project in Google AI Studio.";

  static void unauthorized(RoutingContext ctx, ApiShape api, boolean missing) {
    JsonObject body;
    if (api == ApiShape.ANTHROPIC) {
      body =
          AnthropicPayloads.error(
              "authentication_error",
              missing ? "x-api-key header is required" : "invalid x-api-key");
      send(ctx, 401, body, Map.of());
      return;
    }
    if (api == ApiShape.GEMINI) {
      // Google answers a wrong key with 400 and a missing one with 403; neither echoes the key.
      body =
          missing
              ? GeminiPayloads.error(
                  403,
                  "PERMISSION_DENIED",
                  "Method doesn't allow unregistered callers (callers without established"
                      + " identity). Please use API Key or other form of API consumer identity to"
                      + " call this API.",
                  null,
                  null)
              : GeminiPayloads.error(
                  400,
                  "INVALID_ARGUMENT",
                  "API key not valid. Please pass a valid API key.",
                  null,
                  "API_KEY_INVALID");
      send(ctx, missing ? 403 : 400, body, Map.of());
      return;
    }
    if (api == ApiShape.AZURE) {
      body =
          OpenAiPayloads.azureError(
              "401",
              "Access denied due to invalid subscription key or wrong API endpoint. Make sure to"
                  + " provide a valid key for an active subscription and use a correct regional"
                  + " API endpoint for your resource.");
    } else {
      // Never echo the presented key, not even masked.
      String message =
          missing
              ? "You didn't provide an API key. You need to provide your API key in an"
                  + " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
              : "Incorrect API key provided.";
      body = OpenAiPayloads.error(message, "invalid_request_error", null, "invalid_api_key");
    }
    send(ctx, 401, body, Map.of());
  }

  /**
   * Pydantic's {@code loc} of {@code param}: {@code ["body", param]}, or for a dotted path ({@code
   * messages.0.name}) its steps, indexes as numbers.
   */
  static io.vertx.core.json.JsonArray mistralLoc(String param) {
    io.vertx.core.json.JsonArray loc = new io.vertx.core.json.JsonArray().add("body");
    if (param == null || param.indexOf('.') < 0) {
      return loc.add(param);
    }
    for (String step : param.split("\\.")) {
      loc.add(
          !step.isEmpty() && step.chars().allMatch(Character::isDigit)
              ? (Object) Integer.valueOf(step)
              : step);
    }
    return loc;
  }

  static void badRequest(
      RoutingContext ctx, ApiShape api, String message, String param, String code) {
    if (api == ApiShape.MISTRAL) {
      // Mistral validates with pydantic: 422, the failures listed under message.detail.
      JsonObject detail =
          new JsonObject()
              .put("type", code == null ? "value_error" : code)
              .put("loc", mistralLoc(param))
              .put("msg", message);
      JsonObject body =
          new JsonObject()
              .put("object", "error")
              .put(
                  "message",
                  new JsonObject().put("detail", new io.vertx.core.json.JsonArray().add(detail)))
              .put("type", "invalid_request_error")
              .putNull("param")
              .putNull("code");
      send(ctx, 422, body, Map.of());
      return;
    }
    JsonObject body =
        api == ApiShape.ANTHROPIC
            ? AnthropicPayloads.error("invalid_request_error", message)
            : api == ApiShape.GEMINI || api == ApiShape.GOOGLE_OPENAI
                ? GeminiPayloads.error(400, "INVALID_ARGUMENT", message, null, null)
                : api == ApiShape.AZURE
                    ? OpenAiPayloads.azureError("BadRequest", message)
                    : OpenAiPayloads.error(message, "invalid_request_error", param, code);
    send(ctx, 400, body, Map.of());
  }

  static void send(RoutingContext ctx, int status, JsonObject body, Map<String, String> headers) {
    HttpServerResponse res = ctx.response().setStatusCode(status);
    headers.forEach(res::putHeader);
    res.putHeader("content-type", "application/json").end(body.encode());
  }
}
