package dev.switchboard.mock.drift;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /_mock/drift}: {@code PUT} a body {@code {"fingerprint": "fp_new", "share": 0.05,
 * "prompts": ["capital of France"]}} to inject drift (every field optional), {@code GET} to read
 * it, {@code DELETE} to answer as configured again.
 */
public final class DriftAdmin {

  private final DriftInjection drift;

  public DriftAdmin(DriftInjection drift) {
    this.drift = drift;
  }

  /** Adds the routes (after the admin API's body handler). */
  public void mount(Router router) {
    router.get("/_mock/drift").handler(ctx -> send(ctx, 200, drift.settings().toJson()));
    router.put("/_mock/drift").handler(this::put);
    router
        .delete("/_mock/drift")
        .handler(
            ctx -> {
              drift.set(DriftInjection.Settings.NONE);
              send(ctx, 200, drift.settings().toJson());
            });
  }

  private void put(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      drift.set(DriftInjection.Settings.fromJson(body == null ? new JsonObject() : body));
      send(ctx, 200, drift.settings().toJson());
    } catch (DecodeException | IllegalArgumentException | ClassCastException e) {
      send(ctx, 400, new JsonObject().put("error", "invalid drift settings: " + e.getMessage()));
    }
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }
}
