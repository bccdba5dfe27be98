package dev.switchboard.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.consumer.ConsumerPolicy;
import dev.switchboard.gateway.frontdoor.MessagesFrontDoor;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.pipeline.IdentifyStage;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.routing.ProviderKeys;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.stats.LiveStats;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read-only endpoints: model listing, health, readiness, Prometheus metrics, live stats and the
 * admin configuration summary. None of them ever shows a key value.
 */
public final class InfoHandlers {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RoutingState state;
  private final GatewayMetrics metrics;
  private final LiveStats stats;
  private final java.util.function.Supplier<Object> resilience;
  private java.util.function.Supplier<Object> evaluations = () -> Map.of();
  private java.util.function.Consumer<Object> evaluationsDelivered = document -> {};
  private IdentifyStage identify = new IdentifyStage();
  private java.util.function.BooleanSupplier stopping = () -> false;

  public InfoHandlers(RoutingState state, GatewayMetrics metrics, LiveStats stats) {
    this(state, metrics, stats, null);
  }

  /**
   * @param resilience summary of breaker states, provider health and bulkheads for {@code
   *     /admin/config} (null: not shown)
   */
  public InfoHandlers(
      RoutingState state,
      GatewayMetrics metrics,
      LiveStats stats,
      java.util.function.Supplier<Object> resilience) {
    this.state = state;
    this.metrics = metrics;
    this.stats = stats;
    this.resilience = resilience;
  }

  /**
   * Whether the gateway is shutting down: {@code /readyz} then answers 503, so the replica leaves
   * the load balancers' rotation while requests in flight finish.
   */
  public InfoHandlers stopping(java.util.function.BooleanSupplier stopping) {
    this.stopping = stopping;
    return this;
  }

  /**
   * The consumer keys in force: once they are required, the public {@code /v1} endpoints here want
   * one as every API request does (401), and the model endpoints show only the caller's models.
   */
  public InfoHandlers consumers(IdentifyStage identify) {
    this.identify = identify;
    return this;
  }

  /**
   * {@code GET /v1/models}: every logical model name and alias, in OpenAI's list shape; once
   * consumer keys are required only those the caller's consumer may use.
   */
  public void listModels(RoutingContext rc) {
    if (rc.request().headers().contains(ANTHROPIC_VERSION)) {
      listAnthropicModels(rc);
      return;
    }
    requestId(rc);
    Caller caller = identified(rc);
    if (caller == null) {
      return;
    }
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (snapshot == null) {
      sendError(rc, OpenAiError.notReady());
      return;
    }
    ConsumerPolicy consumer = caller.consumer();
    ModelList everyModel = modelList;
    if (consumer == null && everyModel != null && everyModel.snapshot() == snapshot) {
      // The whole list, written once per table (tools and SDKs ask for it often).
      rc.response().putHeader("content-type", "application/json").end(everyModel.json());
      return;
    }
    // One entry per route and alias: at 10,000 routes, milliseconds of work off the event loop.
    sendJsonOffLoop(
        rc,
        () -> {
          List<Map<String, Object>> data = new ArrayList<>();
          for (String name : usableNames(consumer, snapshot)) {
            data.add(model(name, snapshot));
          }
          Map<String, Object> list = new LinkedHashMap<>();
          list.put("object", "list");
          list.put("data", data);
          return list;
        },
        consumer != null ? null : json -> modelList = new ModelList(snapshot, json));
  }

  /** The list of every model of one table as written (when keys are not required). */
  private record ModelList(RoutingSnapshot snapshot, String json) {}

  private volatile ModelList modelList;

  /**
   * {@code GET /v1/models/{model}}: one logical model, or 404 model_not_found — also for a model
   * the caller's consumer may not use (as OpenAI answers for a model the key has no access to).
   */
  public void retrieveModel(RoutingContext rc) {
    // Anthropic SDKs (anthropic-version) get Anthropic's ModelInfo and error shapes.
    boolean anthropic = rc.request().headers().contains(ANTHROPIC_VERSION);
    java.util.function.BiConsumer<RoutingContext, OpenAiError> refuse =
        anthropic ? InfoHandlers::sendAnthropicError : InfoHandlers::sendError;
    if (anthropic) {
      anthropicRequestId(rc);
    } else {
      requestId(rc);
    }
    Caller caller = identified(rc, identify, refuse);
    if (caller == null) {
      return;
    }
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (snapshot == null) {
      refuse.accept(rc, OpenAiError.notReady());
      return;
    }
    String name = rc.pathParam("model");
    if (!listed(caller.consumer(), name, snapshot)) {
      refuse.accept(rc, OpenAiError.modelNotFound(name));
      return;
    }
    sendJson(
        rc,
        200,
        anthropic
            ? AnthropicModelPages.modelInfo(name, snapshot.loadedAt())
            : model(name, snapshot));
  }

  /**
   * The header every Anthropic SDK sends and no OpenAI SDK does: with it the model endpoints answer
   * in Anthropic's shape ({@link AnthropicModelPages}).
   */
  private static final CharSequence ANTHROPIC_VERSION =
      io.vertx.core.http.HttpHeaders.createOptimized("anthropic-version");

  /**
   * {@code GET /v1/models} for an Anthropic SDK: the models {@link #listModels} lists, in
   * Anthropic's page shape, cut by {@code limit}, {@code after_id} or {@code before_id}; errors in
   * Anthropic's shape.
   */
  private void listAnthropicModels(RoutingContext rc) {
    anthropicRequestId(rc);
    Caller caller = identified(rc, identify, InfoHandlers::sendAnthropicError);
    if (caller == null) {
      return;
    }
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (snapshot == null) {
      sendAnthropicError(rc, OpenAiError.notReady());
      return;
    }
    ConsumerPolicy consumer = caller.consumer();
    AnthropicModelPages.Query query;
    try {
      query =
          AnthropicModelPages.query(
              rc.request().getParam("limit"),
              rc.request().getParam("after_id"),
              rc.request().getParam("before_id"));
    } catch (ApiException invalid) {
      sendAnthropicError(rc, invalid.error());
      return;
    }
    String cursor = query.cursor();
    if (cursor != null && !listed(consumer, cursor, snapshot)) {
      sendAnthropicError(rc, AnthropicModelPages.unknownCursor(query));
      return;
    }
    // The same models as the OpenAI list, filtered per name: off the event loop as there.
    sendJsonOffLoop(
        rc,
        () ->
            AnthropicModelPages.page(usableNames(consumer, snapshot), query, snapshot.loadedAt()));
  }

  /**
   * The request id on an Anthropic-shaped answer: in {@code x-request-id} and in Anthropic's {@code
   * request-id}, as {@code /v1/messages} answers carry it.
   */
  private static void anthropicRequestId(RoutingContext rc) {
    String id = ProxyHandler.requestId(rc.request());
    rc.response().putHeader(REQUEST_ID, id).putHeader(ProxyHandler.ANTHROPIC_REQUEST_ID, id);
  }

  /** An Anthropic-shaped error ({@code {"type":"error","error":{"type","message"}}}). */
  private static void sendAnthropicError(RoutingContext rc, OpenAiError error) {
    HttpServerResponse response = rc.response();
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response
        .setStatusCode(error.status())
        .putHeader("content-type", "application/json")
        .end(MessagesFrontDoor.errorJson(error).toString());
  }

  /**
   * Gives the answer an {@code x-request-id} as OpenAI's API does on every call (the SDKs expose
   * it): the client's when it sent a usable one, else a new one.
   */
  private static void requestId(RoutingContext rc) {
    rc.response().putHeader(REQUEST_ID, ProxyHandler.requestId(rc.request()));
  }

  private static final CharSequence REQUEST_ID =
      io.vertx.core.http.HttpHeaders.createOptimized("x-request-id");

  private Caller identified(RoutingContext rc) {
    return identified(rc, identify);
  }

  /**
   * The caller of a request the router answers itself (outside the pipeline), its consumer
   * identified by {@code identify} when keys are required; null after answering the 401 of a
   * missing or unknown key.
   */
  static Caller identified(RoutingContext rc, IdentifyStage identify) {
    return identified(rc, identify, InfoHandlers::sendError);
  }

  /** As above, answering the 401 with {@code refuse} (an error in the shape the client reads). */
  private static Caller identified(
      RoutingContext rc,
      IdentifyStage identify,
      java.util.function.BiConsumer<RoutingContext, OpenAiError> refuse) {
    Caller caller = new Caller(rc.request()::getHeader, rc.request().headers()::getAll);
    try {
      identify.identify(caller);
    } catch (ApiException refused) {
      refuse.accept(rc, refused.error());
      return null;
    }
    return caller;
  }

  /** Whether {@code consumer} (null: keys not required) may call the model {@code name}. */
  private static boolean mayUse(ConsumerPolicy consumer, String name, RoutingSnapshot snapshot) {
    return consumer == null
        || snapshot.route(name).map(r -> consumer.mayCall(name, r.name())).orElse(false);
  }

  /** Whether the model list shows {@code name} to {@code consumer}: a model it may call. */
  private static boolean listed(ConsumerPolicy consumer, String name, RoutingSnapshot snapshot) {
    return snapshot.route(name).isPresent() && mayUse(consumer, name, snapshot);
  }

  /** The model names (routes and aliases) the list shows {@code consumer}, in table order. */
  private static List<String> usableNames(ConsumerPolicy consumer, RoutingSnapshot snapshot) {
    List<String> names = new ArrayList<>();
    for (String name : snapshot.modelNames()) {
      if (mayUse(consumer, name, snapshot)) {
        names.add(name);
      }
    }
    return names;
  }

  private static Map<String, Object> model(String name, RoutingSnapshot snapshot) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", name);
    m.put("object", "model");
    m.put("created", snapshot.loadedAt().getEpochSecond());
    m.put("owned_by", "switchboard");
    return m;
  }

  /** {@code GET /healthz}: the process is up. */
  public void health(RoutingContext rc) {
    sendJson(rc, 200, Map.of("status", "ok"));
  }

  /**
   * {@code GET /readyz}: 200 once a valid routing table is loaded, 503 before and from the start of
   * a shutdown on.
   */
  public void ready(RoutingContext rc) {
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (stopping.getAsBoolean()) {
      sendJson(rc, 503, Map.of("status", "not ready", "reason", "shutting down"));
    } else if (snapshot == null) {
      sendJson(rc, 503, Map.of("status", "not ready", "reason", "no valid routing table loaded"));
    } else {
      sendJson(rc, 200, Map.of("status", "ready", "configVersion", snapshot.configVersion()));
    }
  }

  /** {@code GET /metrics}: Prometheus text format. */
  public void metrics(RoutingContext rc) {
    // Rendering every histogram bucket can take milliseconds: keep it off the event loop.
    rc.vertx()
        .executeBlocking(metrics::scrape, false)
        .onSuccess(
            text ->
                rc.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(text))
        .onFailure(rc::fail);
  }

  /**
   * {@code GET /v1/switchboard/stats}: live per-route and per-target figures (latency, errors,
   * cost, prices), which sum every consumer's traffic. Once consumer keys are required, for
   * consumers only, and each sees only the routes of the models it may use (as {@code /v1/models}
   * lists them); every route's figures are on the admin port ({@link #adminStats}).
   */
  public void stats(RoutingContext rc) {
    Caller caller = identified(rc);
    if (caller == null) {
      return;
    }
    ConsumerPolicy consumer = caller.consumer();
    if (consumer == null) {
      sendJsonOffLoop(rc, stats::snapshot);
      return;
    }
    sendJsonOffLoop(
        rc,
        () -> {
          // Routes of the table in force only: one removed since, or none loaded, shows to no
          // consumer.
          java.util.Set<String> visible = new java.util.HashSet<>();
          state
              .current()
              .ifPresent(
                  snapshot -> {
                    for (String name : snapshot.modelNames()) {
                      if (mayUse(consumer, name, snapshot)) {
                        snapshot.route(name).ifPresent(r -> visible.add(r.name()));
                      }
                    }
                  });
          return stats.snapshot(visible::contains);
        });
  }

  /** {@code GET /admin/stats}: the stats document of every route, whoever's traffic it is. */
  public void adminStats(RoutingContext rc) {
    sendJsonOffLoop(rc, stats::snapshot);
  }

  /**
   * {@code GET /admin/routing-figures}: this replica's routing-window figures with raw counts,
   * which the operator merges over the replicas into {@code ModelRoute.status.observed}.
   */
  public void routingFigures(RoutingContext rc) {
    sendJsonOffLoop(rc, stats::routingFigures);
  }

  /** {@code GET /admin/config}: what this replica serves, without secrets. */
  public void adminConfig(RoutingContext rc) {
    sendJsonOffLoop(rc, this::configDocument);
  }

  private Map<String, Object> configDocument() {
    Map<String, Object> doc = new LinkedHashMap<>();
    RoutingSnapshot snapshot = state.current().orElse(null);
    ProviderKeys keys = state.keys();
    doc.put("ready", snapshot != null);
    doc.put("configVersion", snapshot == null ? null : snapshot.configVersion());
    doc.put("loadedAt", snapshot == null ? null : snapshot.loadedAt().toString());
    state
        .lastReload()
        .ifPresent(
            r -> {
              Map<String, Object> last = new LinkedHashMap<>();
              last.put("result", r.result());
              last.put("configVersion", r.configVersion());
              last.put("origin", r.origin());
              last.put("at", r.at().toString());
              last.put("problems", r.problems());
              doc.put("lastReload", last);
            });
    if (snapshot != null) {
      RoutingTable table = snapshot.table();
      List<Map<String, Object>> routes = new ArrayList<>();
      for (RoutingTable.Route route : table.routes()) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", route.name());
        r.put("model", route.model());
        r.put("aliases", route.aliases());
        r.put("policy", route.policy());
        r.put("revision", route.revision());
        r.put("targets", route.targets().stream().map(RoutingTable.Target::id).toList());
        r.put("rules", route.rules().size());
        if (route.canary() != null) {
          r.put(
              "canary",
              Map.of(
                  "mode", route.canary().mode(),
                  "weight", route.canary().weight(),
                  "targets",
                      route.canary().targets().stream().map(RoutingTable.Target::id).toList()));
        }
        routes.add(r);
      }
      List<Map<String, Object>> providers = new ArrayList<>();
      table
          .providers()
          .values()
          .forEach(
              p -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", p.name());
                m.put("kind", p.providerKind().wireName());
                m.put("baseUrl", UpstreamRequests.baseUrl(p));
                m.put("needsKey", p.hasKey());
                m.put("keyLoaded", keys.keyFor(p.name()).isPresent());
                if (keys.refusedNames().contains(p.name())) {
                  // A key is there but is no valid key (a line break, a control character): the
                  // provider is keyless until it is fixed. Never the value.
                  m.put("keyRefused", true);
                }
                m.put("models", List.copyOf(p.models().keySet()));
                providers.add(m);
              });
      doc.put("routes", routes);
      doc.put("providers", providers);
      List<Map<String, Object>> commitments = stats.commitments().status(table);
      if (!commitments.isEmpty()) {
        // Prepaid capacity: the month's use (shared when there is a store) and its projection.
        doc.put("commitments", commitments);
      }
    }
    if (resilience != null) {
      doc.put("resilience", resilience.get());
    }
    return doc;
  }

  /**
   * {@code GET /admin/commitments}: every prepaid commitment of the table in force with this
   * month's use, which the operator reads into {@code ProviderEndpoint.status.commitments}. With a
   * shared store ({@code "shared": true}) every replica reports the same shared use; without one,
   * each what it served.
   */
  public void adminCommitments(RoutingContext rc) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("object", "switchboard.commitments");
    doc.put("shared", stats.commitments().shared());
    doc.put(
        "commitments",
        state.current().map(s -> stats.commitments().status(s.table())).orElse(List.of()));
    sendJson(rc, 200, doc);
  }

  /** Where {@code GET /admin/evaluations} reads the evaluation figures from. */
  public InfoHandlers evaluations(java.util.function.Supplier<Object> source) {
    this.evaluations = source;
    return this;
  }

  /**
   * {@code GET /admin/evaluations}: this replica's side-by-side evaluation sums (the operator's).
   */
  public void adminEvaluations(RoutingContext rc) {
    Object[] document = new Object[1];
    documents(rc.vertx())
        .executeBlocking(
            () -> {
              document[0] = evaluations.get();
              return JSON.writeValueAsString(document[0]);
            },
            false)
        .onComplete(
            json -> {
              if (json.failed()) {
                rc.fail(json.cause());
                return;
              }
              rc.response()
                  .setStatusCode(200)
                  .putHeader("content-type", "application/json")
                  .end(json.result())
                  // Delivered: what it counts is reported (a graceful shutdown waits for that).
                  .onSuccess(v -> evaluationsDelivered.accept(document[0]));
            });
  }

  /**
   * Told of every {@code /admin/evaluations} document once it was sent whole to the reader (the
   * operator): see {@code EvaluationRecorder#delivered}.
   */
  public InfoHandlers evaluationsDelivered(java.util.function.Consumer<Object> delivered) {
    this.evaluationsDelivered = delivered;
    return this;
  }

  /**
   * Builds and writes a 200 JSON document on a worker thread: documents with a part per route (the
   * table in force, the stats of every route) take milliseconds at 10,000 routes, and the admin
   * server's event loop may be one that serves requests too.
   */
  private void sendJsonOffLoop(RoutingContext rc, java.util.function.Supplier<Object> document) {
    sendJsonOffLoop(rc, document, null);
  }

  /** As above, and hands the JSON written to {@code written} (null: nobody) on the worker. */
  private void sendJsonOffLoop(
      RoutingContext rc,
      java.util.function.Supplier<Object> document,
      java.util.function.Consumer<String> written) {
    documents(rc.vertx())
        .executeBlocking(
            () -> {
              String json = JSON.writeValueAsString(document.get());
              if (written != null) {
                written.accept(json);
              }
              return json;
            },
            false)
        .onComplete(json -> answerJson(rc, json));
  }

  /**
   * As {@link #sendJsonOffLoop(RoutingContext, java.util.function.Supplier)} for a handler without
   * the info handlers' own pool ({@code /admin/consumers}, which the operator reads every 15 s): on
   * Vert.x's worker pool.
   */
  static void sendJsonOnWorker(RoutingContext rc, java.util.function.Supplier<Object> document) {
    rc.vertx()
        .executeBlocking(() -> JSON.writeValueAsString(document.get()), false)
        .onComplete(json -> answerJson(rc, json));
  }

  /** Sends a document a worker wrote, back on the request's event loop; a failure is a 500. */
  private static void answerJson(RoutingContext rc, io.vertx.core.AsyncResult<String> written) {
    if (written.failed()) {
      rc.fail(written.cause());
      return;
    }
    rc.response()
        .setStatusCode(200)
        .putHeader("content-type", "application/json")
        .end(written.result());
  }

  /**
   * The workers that build these documents: a pool of their own, so that callers asking for them in
   * a loop queue behind each other and never ahead of the request path's own blocking work (large
   * request bodies, reloads) on Vert.x's shared worker pool.
   */
  private WorkerExecutor documents(io.vertx.core.Vertx vertx) {
    WorkerExecutor pool = documentPool;
    if (pool == null) {
      synchronized (this) {
        pool = documentPool;
        if (pool == null) {
          pool = vertx.createSharedWorkerExecutor("switchboard-documents", DOCUMENT_WORKERS);
          documentPool = pool;
        }
      }
    }
    return pool;
  }

  private static final int DOCUMENT_WORKERS = 2;

  private volatile WorkerExecutor documentPool;

  static void sendJson(RoutingContext rc, int status, Object body) {
    try {
      rc.response()
          .setStatusCode(status)
          .putHeader("content-type", "application/json")
          .end(JSON.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      rc.fail(e);
    }
  }

  static void sendError(RoutingContext rc, OpenAiError error) {
    sendError(rc.response(), error);
  }

  /** An OpenAI-shaped error, or a reset stream when the answer's head is already out. */
  static void sendError(HttpServerResponse response, OpenAiError error) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response
        .setStatusCode(error.status())
        .putHeader("content-type", "application/json")
        .end(error.toBuffer());
  }
}
