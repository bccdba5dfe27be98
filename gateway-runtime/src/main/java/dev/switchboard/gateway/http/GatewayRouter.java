package dev.switchboard.gateway.http;

import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.EmbeddingsFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.frontdoor.MessagesFrontDoor;
import dev.switchboard.gateway.server.ClientDisconnects;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;

/**
 * Builds the public port's router once; it is never changed while serving (routing decisions live
 * in the swapped snapshot, not in routes). Every error the router itself produces (unknown path,
 * wrong method, body too large) is answered in OpenAI's error shape.
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

  /** The complete router, without the Responses API (tests of the other surfaces). */
  public static Router create(
      Vertx vertx, ProxyHandler proxy, InfoHandlers info, long maxBodyBytes) {
    return create(vertx, proxy, info, maxBodyBytes, null, null);
  }

  /**
   * The complete router.
   *
   * @param responses the Responses API front door ({@code POST /v1/responses}), or null for none
   * @param responsesState its stored-response endpoints, or null for none
   */
  public static Router create(
      Vertx vertx,
      ProxyHandler proxy,
      InfoHandlers info,
      long maxBodyBytes,
      FrontDoor responses,
      ResponsesStateHandler responsesState) {
    Router router = Router.router(vertx);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);

    // 415 is decided from the headers alone, on its own route, before the body is read; Vert.x
    // requires the body handler to come first on the route that holds it.
    router.post("/v1/chat/completions").handler(GatewayRouter::requireJson);
    router.post("/v1/embeddings").handler(GatewayRouter::requireJson);
    router
        .post("/v1/chat/completions")
        .handler(body)
        .handler(rc -> proxy.handle(rc, CHAT_COMPLETIONS));
    router.post("/v1/embeddings").handler(body).handler(rc -> proxy.handle(rc, EMBEDDINGS));
    router.post("/v1/messages").handler(GatewayRouter::requireJson);
    router.post("/v1/messages/count_tokens").handler(GatewayRouter::requireJson);
    router.post("/v1/messages").handler(body).handler(rc -> proxy.handle(rc, MESSAGES));
    router
        .post("/v1/messages/count_tokens")
        .handler(body)
        .handler(rc -> proxy.handle(rc, COUNT_TOKENS));
    if (responses != null) {
      router.post("/v1/responses").handler(GatewayRouter::requireJson);
      router.post("/v1/responses").handler(body).handler(rc -> proxy.handle(rc, responses));
    }
    if (responsesState != null) {
      router.get("/v1/responses/:id").handler(responsesState::retrieve);
      router.delete("/v1/responses/:id").handler(responsesState::delete);
      router.get("/v1/responses/:id/input_items").handler(responsesState::inputItems);
      router.post("/v1/responses/:id/cancel").handler(responsesState::cancel);
    }
    router.get("/v1/models").handler(info::listModels);
    router.get("/v1/models/:model").handler(info::retrieveModel);
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
    return router;
  }

  /** 415 unless the body is declared JSON; checked before the body is read. */
  private static void requireJson(RoutingContext rc) {
    String contentType = rc.request().getHeader("content-type");
    String mediaType =
        contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
      error(rc, OpenAiError.unsupportedMediaType(contentType == null ? "" : contentType));
      return;
    }
    rc.next();
  }

  private static void error(RoutingContext rc, OpenAiError error) {
    // Errors the router answers before the proxy runs are still traceable by request id.
    if (!rc.response().headers().contains("x-request-id")) {
      rc.response().putHeader("x-request-id", ProxyHandler.requestId(rc));
    }
    if (rc.request().method() == HttpMethod.HEAD) {
      rc.response().setStatusCode(error.status()).end();
      return;
    }
    String path = rc.request().path();
    if (path != null && (path.equals(MESSAGES_PATH) || path.startsWith(MESSAGES_PATH + "/"))) {
      // Anthropic SDKs read errors in their own shape, also the ones no front door produced.
      rc.response()
          .setStatusCode(error.status())
          .putHeader("content-type", "application/json")
          .end(MESSAGES.encodeError(error));
      return;
    }
    InfoHandlers.sendError(rc, error);
  }
}
