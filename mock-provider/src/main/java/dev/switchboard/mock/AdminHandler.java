package dev.switchboard.mock;

import dev.switchboard.mock.fault.FaultRules;
import dev.switchboard.mock.record.AttemptStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code /_mock} admin API, so out-of-process callers (local stack, e2e, benchmarks) can script
 * faults and read counters. Unauthenticated: the mock binds to loopback.
 */
final class AdminHandler {

  private final FaultRules faults;
  private final AttemptStats stats;
  private final AcceptedKeys keys;

  AdminHandler(FaultRules faults, AttemptStats stats, AcceptedKeys keys) {
    this.faults = faults;
    this.stats = stats;
    this.keys = keys;
  }

  void mount(Router router) {
    router.route("/_mock/*").handler(BodyHandler.create(false).setBodyLimit(1024 * 1024));
    router.get("/_mock/stats").handler(this::stats);
    router.get("/_mock/faults").handler(this::listFaults);
    router.post("/_mock/faults").handler(this::addFault);
    router.delete("/_mock/faults").handler(this::clearFaults);
    router.post("/_mock/reset").handler(this::reset);
    router.put("/_mock/keys").handler(this::putKeys);
  }

  private void stats(RoutingContext ctx) {
    int last = 50;
    String param = ctx.request().getParam("requests");
    if (param != null) {
      try {
        last = Integer.parseInt(param);
      } catch (NumberFormatException e) {
        fail(ctx, "requests must be an integer");
        return;
      }
    }
    json(ctx, 200, stats.toJson(last));
  }

  private void listFaults(RoutingContext ctx) {
    JsonArray rules = new JsonArray();
    for (FaultRules.Rule r : faults.list()) {
      rules.add(
          new JsonObject()
              .put("model", r.model())
              .put("fault", r.fault().toString())
              .put("times", r.remaining() == FaultRules.UNLIMITED ? null : r.remaining()));
    }
    json(ctx, 200, new JsonObject().put("rules", rules));
  }

  /** Body {@code {"model": "m", "fault": "status:503", "times": 2, "replace": false}}. */
  private void addFault(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null || !(body.getValue("fault") instanceof String fault)) {
      fail(ctx, "body must be JSON with a string 'fault'");
      return;
    }
    String model = body.getString("model", FaultRules.ANY_MODEL);
    Integer times = body.getInteger("times");
    try {
      if (Boolean.TRUE.equals(body.getBoolean("replace"))) {
        faults.clear(model);
      }
      faults.add(model, fault, times == null ? FaultRules.UNLIMITED : times);
    } catch (IllegalArgumentException e) {
      fail(ctx, e.getMessage());
      return;
    }
    listFaults(ctx);
  }

  private void clearFaults(RoutingContext ctx) {
    String model = ctx.request().getParam("model");
    if (model == null) {
      faults.clearAll();
    } else {
      faults.clear(model);
    }
    ctx.response().setStatusCode(204).end();
  }

  private void reset(RoutingContext ctx) {
    faults.clearAll();
    stats.reset();
    ctx.response().setStatusCode(204).end();
  }

  /** Body {@code {"keys": ["sk-a", "sk-b"]}}; an empty list disables authentication. */
  private void putKeys(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    JsonArray list = body == null ? null : body.getJsonArray("keys");
    if (list == null) {
      fail(ctx, "body must be JSON with an array 'keys'");
      return;
    }
    List<String> newKeys = new ArrayList<>();
    for (Object k : list) {
      if (!(k instanceof String s) || s.isBlank()) {
        fail(ctx, "keys must be non-empty strings");
        return;
      }
      newKeys.add(s);
    }
    keys.replace(newKeys);
    // Echo only how many keys are active, never the keys themselves.
    json(ctx, 200, new JsonObject().put("keys", keys.size()));
  }

  private static void fail(RoutingContext ctx, String message) {
    json(ctx, 400, new JsonObject().put("error", message));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encodePrettily());
  }
}
