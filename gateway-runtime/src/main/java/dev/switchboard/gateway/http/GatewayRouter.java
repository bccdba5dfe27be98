package dev.switchboard.gateway.http;

import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.EmbeddingsFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.frontdoor.MessagesFrontDoor;
import dev.switchboard.gateway.server.ClientDisconnects;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the public port's request handler once; it is never changed while serving (routing
 * decisions live in the swapped snapshot, not in routes). The proxied API calls take a direct path
 * ({@link ProxiedRequests}); the router serves the rest. Every error either of them produces
 * (unknown path, wrong method, media type, body too large) is answered in OpenAI's error shape, or
 * Anthropic's under {@code /v1/messages}.
 */
public final class GatewayRouter {

  /** The APIs clients speak, one front door per path (Responses and Anthropic Messages join). */
  private static final FrontDoor CHAT_COMPLETIONS = new ChatCompletionsFrontDoor();

  private static final FrontDoor EMBEDDINGS = new EmbeddingsFrontDoor();

  private static final FrontDoor MESSAGES = new MessagesFrontDoor();

  private static final FrontDoor COUNT_TOKENS = MessagesFrontDoor.countTokens();

  /** Paths whose errors (router-level ones included) are Anthropic-shaped. */
  private static final String MESSAGES_PATH = "/v1/messages";

  private GatewayRouter() {}

  /** The complete handler, without the Responses API (tests of the other surfaces). */
  public static Handler<HttpServerRequest> create(
      Vertx vertx, ProxyHandler proxy, InfoHandlers info, long maxBodyBytes) {
    return create(vertx, proxy, info, maxBodyBytes, null, null);
  }

  /**
   * The public port's complete request handler: the proxied API calls straight to the proxy ({@link
   * ProxiedRequests}), everything else through the router, which holds every route.
   *
   * @param responses the Responses API front door ({@code POST /v1/responses}), or null for none
   * @param responsesState its stored-response endpoints, or null for none
   */
  public static Handler<HttpServerRequest> create(
      Vertx vertx,
      ProxyHandler proxy,
      InfoHandlers info,
      long maxBodyBytes,
      FrontDoor responses,
      ResponsesStateHandler responsesState) {
    Router router = Router.router(vertx);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    // The proxied paths: read directly by ProxiedRequests, and held by the router too for the
    // requests that path leaves to it, so both always serve the same paths.
    Map<String, FrontDoor> doors = new LinkedHashMap<>();
    doors.put("/v1/chat/completions", CHAT_COMPLETIONS);
    doors.put("/v1/embeddings", EMBEDDINGS);
    doors.put(MESSAGES_PATH, MESSAGES);
    doors.put("/v1/messages/count_tokens", COUNT_TOKENS);
    if (responses != null) {
      doors.put("/v1/responses", responses);
    }
    doors.forEach(
        (path, door) -> {
          // 415 is decided from the headers alone, on its own route, before the body is read;
          // Vert.x requires the body handler to come first on the route that holds it.
          router.post(path).handler(GatewayRouter::requireJson);
          router.post(path).handler(body).handler(rc -> proxied(proxy, rc, door));
        });
    if (responsesState != null) {
      router.get("/v1/responses/:id").handler(responsesState::retrieve);
      router.delete("/v1/responses/:id").handler(responsesState::delete);
      router.get("/v1/responses/:id/input_items").handler(responsesState::inputItems);
      router.post("/v1/responses/:id/cancel").handler(responsesState::cancel);
    }
    router.get("/v1/models").handler(info::listModels);
    // The rest of the path is the id: model ids may hold a slash (meta-llama/Llama-3.1-8B), which
    // OpenAI's Python SDK sends as it is; "%2F" is decoded into the parameter all the same.
    router.getWithRegex("/v1/models/(?<model>.+)").handler(info::retrieveModel);
    router.get("/v1/switchboard/stats").handler(info::stats);
    router.get("/healthz").handler(info::health);
    router.get("/readyz").handler(info::ready);
    // /metrics and /admin/* live on the admin port only (AdminRouter): here they are unknown URLs.

    // A client that went away mid-request is expected, not an error to log (issue #13).
    router.route().failureHandler(ClientDisconnects::failureHandler);
    router.errorHandler(404, rc -> error(rc, OpenAiError.notFound(rc.request().path())));
    router.errorHandler(
        405,
        rc ->
            error(
                rc,
                OpenAiError.methodNotAllowed(rc.request().method().name(), rc.request().path())));
    router.errorHandler(413, rc -> error(rc, OpenAiError.tooLarge(maxBodyBytes)));
    router.errorHandler(500, rc -> error(rc, OpenAiError.internal("Unexpected gateway error.")));
    return new ProxiedRequests(doors, router, proxy, maxBodyBytes);
  }

  /** A proxied request the router took (see {@link ProxiedRequests} for which). */
  private static void proxied(ProxyHandler proxy, RoutingContext rc, FrontDoor door) {
    proxy.handle(rc.request(), rc.body().buffer(), door);
  }

  /** 415 unless the body is declared JSON; checked before the body is read. */
  private static void requireJson(RoutingContext rc) {
    if (!isJson(rc.request())) {
      unsupportedMediaType(rc.request());
      return;
    }
    rc.next();
  }

  /** Whether the request's body is declared JSON ({@code application/json} or {@code +json}). */
  static boolean isJson(HttpServerRequest request) {
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType == null) {
      return false;
    }
    int end = contentType.indexOf(';');
    String mediaType =
        (end < 0 ? contentType : contentType.substring(0, end)).strip().toLowerCase(Locale.ROOT);
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  /** Answers 415 naming the declared content type. */
  static void unsupportedMediaType(HttpServerRequest request) {
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    error(request, OpenAiError.unsupportedMediaType(contentType == null ? "" : contentType));
  }

  private static void error(RoutingContext rc, OpenAiError error) {
    error(rc.request(), error);
  }

  /**
   * Answers an error the proxy did not produce (routing, media type, body size), in the shape the
   * path's clients read: Anthropic's under {@code /v1/messages}, OpenAI's elsewhere.
   */
  static void error(HttpServerRequest request, OpenAiError error) {
    HttpServerResponse response = request.response();
    // Errors answered before the proxy runs are still traceable by request id.
    if (!response.headers().contains("x-request-id")) {
      response.putHeader("x-request-id", ProxyHandler.requestId(request));
    }
    String path = request.path();
    boolean messages =
        path != null && (path.equals(MESSAGES_PATH) || path.startsWith(MESSAGES_PATH + "/"));
    if (messages && !response.headers().contains(ProxyHandler.ANTHROPIC_REQUEST_ID)) {
      response.putHeader(ProxyHandler.ANTHROPIC_REQUEST_ID, response.headers().get("x-request-id"));
    }
    if (request.method() == HttpMethod.HEAD) {
      response.setStatusCode(error.status()).end();
      return;
    }
    if (messages) {
      // Anthropic SDKs read errors in their own shape, also the ones no front door produced.
      response
          .setStatusCode(error.status())
          .putHeader("content-type", "application/json")
          .end(MESSAGES.encodeError(error));
      return;
    }
    InfoHandlers.sendError(response, error);
  }
}
