package dev.switchboard.gateway.http;

import dev.switchboard.gateway.server.ClientDisconnects;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * The admin port's router: {@code /admin/config}, {@code /admin/routing-figures} and {@code
 * /metrics}, which show every provider URL, route and breaker state and therefore never answer on
 * the public port. Anything else is an OpenAI-shaped 404 or 405, as on the public port.
 */
public final class AdminRouter {

  private AdminRouter() {}

  /** The complete admin router. */
  public static Router create(Vertx vertx, InfoHandlers info) {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(info::metrics);
    router.get("/admin/config").handler(info::adminConfig);
    router.get("/admin/routing-figures").handler(info::routingFigures);
    router.route().failureHandler(ClientDisconnects::failureHandler);
    router.errorHandler(
        404, rc -> InfoHandlers.sendError(rc, OpenAiError.notFound(rc.request().path())));
    router.errorHandler(
        405,
        rc ->
            InfoHandlers.sendError(
                rc,
                OpenAiError.methodNotAllowed(rc.request().method().name(), rc.request().path())));
    router.errorHandler(
        500, rc -> InfoHandlers.sendError(rc, OpenAiError.internal("Unexpected gateway error.")));
    return router;
  }
}
