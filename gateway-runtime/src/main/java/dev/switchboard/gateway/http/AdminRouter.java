package dev.switchboard.gateway.http;

import dev.switchboard.gateway.consumer.ConsumerDirectory;
import dev.switchboard.gateway.frontdoor.ChatCompletionsFrontDoor;
import dev.switchboard.gateway.frontdoor.FrontDoor;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.server.ClientDisconnects;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Supplier;

/**
 * The admin port's router: {@code /admin/config}, {@code /admin/consumers}, {@code
 * /admin/commitments}, {@code /admin/evaluations}, {@code /admin/routing-figures}, {@code
 * /admin/stats} and {@code /metrics}, which show every provider URL, route and breaker state and
 * therefore never answer on the public port, and {@code /healthz} for the liveness probe. Anything
 * else is an OpenAI-shaped 404 or 405, as on the public port.
 */
public final class AdminRouter {

  /**
   * Whether an admin-port request may go on: no operator credential (nor admin key, {@code
   * --admin-key-sha256}) is known, or it bears one. Else answers the 401 naming the path (never
   * echoing what was presented). One SHA-256 of the presented key and a constant-time compare per
   * known digest: cheap, and only on the admin port.
   */
  private static boolean fromOperator(RoutingContext rc, ConsumerDirectory directory) {
    if (!directory.operatorKeyed()
        || directory.isOperator(new Caller(rc.request()::getHeader).keyDigest())) {
      return true;
    }
    InfoHandlers.sendError(
        rc,
        new OpenAiError(
            401,
            rc.request().path()
                + " answers the Switchboard operator only (and the admin keys the gateway was"
                + " started with): the credential (Authorization: Bearer) is missing or is not"
                + " one of them.",
            "invalid_request_error",
            null,
            "invalid_api_key",
            "unauthenticated"));
    return false;
  }

  private AdminRouter() {}

  /** Largest drift-check request body the admin port reads. */
  private static final long MAX_DRIFT_BODY_BYTES = 1024 * 1024;

  private static final FrontDoor CHAT_COMPLETIONS = new ChatCompletionsFrontDoor();

  /** The admin router without the drift endpoint (tests of the info handlers). */
  public static Router create(Vertx vertx, InfoHandlers info) {
    return create(vertx, info, null, null, ConsumerDirectory::open);
  }

  /**
   * The complete admin router. {@code POST /admin/drift/chat/completions} (when {@code proxy} is
   * given) sends one request to the target named by {@code x-switchboard-target}: the operator's
   * drift check reaches every target through the gateway this way, while the public port offers no
   * way to choose a target (docs/DETERMINISM.md). {@code GET /admin/consumers} (when {@code
   * consumers} is given) lists each consumer's spend, never a key. Once the consumer table names
   * the operator's credential, every {@code /admin/} path answers only requests bearing it (401
   * otherwise): a drift check chooses the target and spends on it, and the reads show every
   * consumer's spend, route and provider (evaluation pairs may carry answer excerpts), so being let
   * through to the admin port (the network policy admits Prometheus too) is not enough. {@code
   * /metrics} and {@code /healthz} stay open.
   *
   * @param directory the consumer directory in force (the operator's credential)
   */
  public static Router create(
      Vertx vertx,
      InfoHandlers info,
      ProxyHandler proxy,
      ConsumerSpendHandler consumers,
      Supplier<ConsumerDirectory> directory) {
    Router router = Router.router(vertx);
    // The liveness probe's endpoint: the public port closes connections above its cap at once, so
    // a replica full of long streams would fail a probe there and be restarted, streams and all.
    router.get("/healthz").handler(info::health);
    // Prometheus scrapes /metrics and the kubelet probes /healthz: both stay open.
    router.get("/metrics").handler(info::metrics);
    // Everything under /admin/ is the operator's once the table names its credential: the network
    // policy admits every pod with Prometheus's label too. Checked before a drift body is read.
    router
        .route("/admin/*")
        .handler(
            rc -> {
              if (fromOperator(rc, directory.get())) {
                rc.next();
              }
            });
    router.get("/admin/config").handler(info::adminConfig);
    if (proxy != null) {
      router
          .post("/admin/drift/chat/completions")
          .handler(BodyHandler.create(false).setBodyLimit(MAX_DRIFT_BODY_BYTES))
          .handler(rc -> proxy.handlePinned(rc, CHAT_COMPLETIONS));
    }
    router.get("/admin/evaluations").handler(info::adminEvaluations);
    router.get("/admin/commitments").handler(info::adminCommitments);
    if (consumers != null) {
      router.get("/admin/consumers").handler(consumers::handle);
    }
    router.get("/admin/routing-figures").handler(info::routingFigures);
    router.get("/admin/stats").handler(info::adminStats);
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
