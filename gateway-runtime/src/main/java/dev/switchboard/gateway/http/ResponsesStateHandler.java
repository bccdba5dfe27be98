package dev.switchboard.gateway.http;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.consumer.ConsumerPolicy;
import dev.switchboard.gateway.pipeline.IdentifyStage;
import dev.switchboard.gateway.request.Caller;
import dev.switchboard.gateway.responses.ResponseLocation;
import dev.switchboard.gateway.responses.ResponseLocations;
import dev.switchboard.gateway.responses.StoredResponseQuery;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.security.KeyScrubber;
import dev.switchboard.gateway.upstream.AttemptTimeouts;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamClients;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stored-response endpoints of the Responses API: {@code GET} and {@code DELETE
 * /v1/responses/{id}}, {@code GET /v1/responses/{id}/input_items} and {@code POST
 * /v1/responses/{id}/cancel}. Each goes to the provider that produced the response ({@link
 * ResponseLocations}), with that provider's key; an id the gateway did not serve, or one answered
 * by a target that keeps no responses, is a 404 in OpenAI's shape. The provider's answer (status
 * and JSON body, any echoed key scrubbed) goes back as it is, except a 401/403: that is the
 * provider refusing the gateway's key, answered as on the main path (502 {@code
 * upstream_auth_failed}, no provider text) and recorded as a credentials rejection.
 */
public final class ResponsesStateHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ResponsesStateHandler.class);

  /** The largest stored-response body relayed (a response with its whole output). */
  private static final long MAX_BODY = 64L * 1024 * 1024;

  private final RoutingState state;
  private final UpstreamClients clients;
  private final ResponseLocations locations;
  private final IdentifyStage identify;
  private final Consumer<RoutingTable.Provider> credentialsRejected;

  /** Without consumer keys (open access). */
  public ResponsesStateHandler(
      RoutingState state, UpstreamClients clients, ResponseLocations locations) {
    this(state, clients, locations, new IdentifyStage(), provider -> {});
  }

  /**
   * @param identify the consumer keys in force: once they are required, these endpoints (answered
   *     with the gateway's own provider key) want one as every API request does (401)
   * @param credentialsRejected records that a provider refused the gateway's key (401/403)
   */
  public ResponsesStateHandler(
      RoutingState state,
      UpstreamClients clients,
      ResponseLocations locations,
      IdentifyStage identify,
      Consumer<RoutingTable.Provider> credentialsRejected) {
    this.state = state;
    this.clients = clients;
    this.locations = locations;
    this.identify = identify;
    this.credentialsRejected = credentialsRejected;
  }

  /** {@code GET /v1/responses/:id}. */
  public void retrieve(RoutingContext rc) {
    forward(rc, HttpMethod.GET, "", StoredResponseQuery.Endpoint.RETRIEVE);
  }

  /** {@code DELETE /v1/responses/:id}; forgets the id once the provider deleted it. */
  public void delete(RoutingContext rc) {
    forward(rc, HttpMethod.DELETE, "", StoredResponseQuery.Endpoint.DELETE);
  }

  /** {@code GET /v1/responses/:id/input_items}. */
  public void inputItems(RoutingContext rc) {
    forward(rc, HttpMethod.GET, "/input_items", StoredResponseQuery.Endpoint.INPUT_ITEMS);
  }

  /** {@code POST /v1/responses/:id/cancel}. */
  public void cancel(RoutingContext rc) {
    forward(rc, HttpMethod.POST, "/cancel", StoredResponseQuery.Endpoint.CANCEL);
  }

  private void forward(
      RoutingContext rc, HttpMethod method, String suffix, StoredResponseQuery.Endpoint endpoint) {
    Caller identified = InfoHandlers.identified(rc, identify);
    if (identified == null) {
      return;
    }
    StoredResponseQuery.Checked query = StoredResponseQuery.check(endpoint, rc.request().query());
    if (!query.accepted()) {
      InfoHandlers.sendError(rc, refused(query));
      return;
    }
    ConsumerPolicy consumer = identified.consumer();
    String caller = consumer == null ? null : consumer.name();
    String id = rc.pathParam("id");
    RoutingSnapshot snapshot = state.current().orElse(null);
    if (snapshot == null) {
      InfoHandlers.sendError(rc, OpenAiError.notReady());
      return;
    }
    locations
        .find(id)
        .onComplete(
            ar -> {
              ResponseLocation location = ar.succeeded() ? ar.result() : null;
              // Another consumer's response is as unknown as one never served.
              if (location == null || !location.visibleTo(caller)) {
                InfoHandlers.sendError(rc, notFound(id, "No response found with id '" + id + "'."));
                return;
              }
              if (!location.stored()) {
                InfoHandlers.sendError(
                    rc,
                    notFound(
                        id,
                        "Response '"
                            + id
                            + "' was not stored: it was answered by a target that keeps no"
                            + " responses (bridged through chat completions, or 'store': false)."));
                return;
              }
              RoutingTable.Provider provider = snapshot.provider(location.provider()).orElse(null);
              UpstreamAdapter adapter =
                  provider == null ? null : UpstreamAdapters.forProvider(provider);
              if (adapter == null || !adapter.speaks(Operation.RESPONSES)) {
                InfoHandlers.sendError(
                    rc,
                    notFound(
                        id,
                        "Response '"
                            + id
                            + "' is held by provider '"
                            + location.provider()
                            + "', which is no longer configured to serve the Responses API."));
                return;
              }
              call(rc, provider, adapter, method, id, suffix, query.query());
            });
  }

  private void call(
      RoutingContext rc,
      RoutingTable.Provider provider,
      UpstreamAdapter adapter,
      HttpMethod method,
      String id,
      String suffix,
      String clientQuery) {
    Optional<String> key = state.keys().keyFor(provider.name());
    MultiMap headers = HttpHeaders.headers();
    try {
      adapter.headers(provider, key, ProxyHandler.requestId(rc.request()), false, headers);
    } catch (IllegalArgumentException invalidHeaderValue) {
      // Never the exception's message: it quotes the refused value, which may be the key.
      InfoHandlers.sendError(
          rc,
          new OpenAiError(
              503,
              "The provider holding response '" + id + "' cannot be called: its key is not valid.",
              "service_unavailable",
              null,
              "no_healthy_target",
              "no_key"));
      return;
    }
    AttemptTimeouts timeouts = AttemptTimeouts.of(provider);
    URI base = URI.create(UpstreamRequests.baseUrl(provider));
    String path = adapter.path(provider, "", Operation.RESPONSES);
    int query = path.indexOf('?');
    String resource =
        (query < 0 ? path : path.substring(0, query))
            + "/"
            + URLEncoder.encode(id, StandardCharsets.UTF_8)
            + suffix;
    String providerQuery = query < 0 ? null : path.substring(query + 1);
    String fullQuery =
        providerQuery == null
            ? clientQuery
            : clientQuery.isEmpty() ? providerQuery : providerQuery + "&" + clientQuery;
    String uri =
        (base.getRawPath() == null ? "" : base.getRawPath())
            + resource
            + (fullQuery == null || fullQuery.isEmpty() ? "" : "?" + fullQuery);
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setAbsoluteURI(base.toString())
            .setURI(uri)
            .setConnectTimeout(timeouts.connectMs())
            .setIdleTimeout(timeouts.totalMs())
            .setHeaders(headers);
    KeyScrubber scrubber = key.map(KeyScrubber::forKey).orElse(KeyScrubber.NONE);
    clients
        .clientFor(provider)
        .request(options)
        .compose(req -> method == HttpMethod.POST ? req.send(Buffer.buffer("{}")) : req.send())
        .compose(resp -> body(resp).map(body -> new Object[] {resp, body}))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                InfoHandlers.sendError(
                    rc,
                    new OpenAiError(
                        502,
                        "The provider holding response '" + id + "' could not be reached.",
                        "upstream_error",
                        null,
                        "bad_gateway",
                        "upstream_unreachable"));
                return;
              }
              HttpClientResponse resp = (HttpClientResponse) ar.result()[0];
              Buffer body = (Buffer) ar.result()[1];
              if (resp.statusCode() == 401 || resp.statusCode() == 403) {
                credentialsRejected.accept(provider);
                LOG.warn(
                    "request {}: provider {} rejected the gateway's key ({}) on a stored-response"
                        + " call",
                    ProxyHandler.requestId(rc.request()),
                    provider.name(),
                    resp.statusCode());
                InfoHandlers.sendError(
                    rc,
                    ErrorMapping.upstreamAuthFailed(
                        " Request id: " + ProxyHandler.requestId(rc.request()) + "."));
                return;
              }
              if (method == HttpMethod.DELETE && resp.statusCode() / 100 == 2) {
                locations.forget(id);
              }
              String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
              rc.response()
                  .setStatusCode(resp.statusCode())
                  .putHeader(HttpHeaders.CONTENT_TYPE, type == null ? "application/json" : type)
                  .end(Buffer.buffer(scrubber.scrub(body.toString())));
            });
  }

  private static io.vertx.core.Future<Buffer> body(HttpClientResponse resp) {
    String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > MAX_BODY) {
          return io.vertx.core.Future.failedFuture("stored response too large");
        }
      } catch (NumberFormatException ignored) {
        // counted below, as the chunked body is
      }
    }
    return resp.body();
  }

  private static OpenAiError refused(StoredResponseQuery.Checked query) {
    if (query.malformed()) {
      return OpenAiError.invalidRequest(
          "The query string is malformed: it has an invalid percent-encoded sequence.", null);
    }
    // OpenAI's own answer to a parameter it does not take on this endpoint.
    return new OpenAiError(
        400,
        "Unknown parameter: '" + query.refused() + "'.",
        "invalid_request_error",
        query.refused(),
        "unknown_parameter",
        "invalid_request");
  }

  private static OpenAiError notFound(String id, String message) {
    return new OpenAiError(404, message, "invalid_request_error", null, null, "not_found");
  }
}
