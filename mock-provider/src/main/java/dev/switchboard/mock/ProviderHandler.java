package dev.switchboard.mock;

import dev.switchboard.mock.drift.DriftInjection;
import dev.switchboard.mock.fault.FaultRules;
import dev.switchboard.mock.fault.FaultSpec;
import dev.switchboard.mock.gemini.GeminiPayloads;
import dev.switchboard.mock.gemini.GeminiRequestCheck;
import dev.switchboard.mock.openai.ChatAnswer;
import dev.switchboard.mock.openai.OpenAiPayloads;
import dev.switchboard.mock.openai.ReasoningPayloads;
import dev.switchboard.mock.openai.ResponsesPayloads;
import dev.switchboard.mock.record.AttemptStats;
import dev.switchboard.mock.record.RequestRecord;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the OpenAI and Azure OpenAI endpoints, applying faults; runs on the event loop only. */
final class ProviderHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ProviderHandler.class);

  /** A Responses stream's {@code error} event, with the fault's code when it names one. */
  private static final AnswerWriter.ErrorEvent RESPONSES_ERROR =
      new AnswerWriter.ErrorEvent() {
        @Override
        public String of(String message, int sent) {
          return ResponsesPayloads.errorEvent(message, sent);
        }

        @Override
        public String coded(String message, String code, int sent) {
          return ResponsesPayloads.errorEvent(message, code, sent);
        }
      };

  private static final String FAST_CONTENT = "This is the mock provider's fixed fast-path answer.";

  private final Vertx vertx;
  final MockProviderOptions options;
  private final FaultRules faults;
  private final AttemptStats stats;
  private final AcceptedKeys keys;
  // Seeded so fail-rate and random delays replay identically for the same request order.
  private final Random random;
  final AnswerWriter writer;
  final AtomicLong ids = new AtomicLong();
  private final AnthropicHandler anthropic = new AnthropicHandler(this);
  private final Map<String, Object> fastPathCache = new ConcurrentHashMap<>();

  /** Injected silent model changes (docs: mock-provider README, "Drift"). */
  final DriftInjection drift = new DriftInjection();

  ProviderHandler(
      Vertx vertx,
      MockProviderOptions options,
      FaultRules faults,
      AttemptStats stats,
      AcceptedKeys keys) {
    this.vertx = vertx;
    this.options = options;
    this.faults = faults;
    this.stats = stats;
    this.keys = keys;
    this.random = new Random(options.randomSeed());
    this.writer = new AnswerWriter(vertx, options);
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(32L * 1024 * 1024);
    router.route("/v1/*").handler(body);
    router.route("/openai/*").handler(body);
    router.route("/v1beta/*").handler(body);
    router.route("/mistral/*").handler(body);
    new GeminiEndpoints(this).mount(router);
    router.post("/v1/chat/completions").handler(ctx -> chat(ctx, ApiShape.OPENAI));
    router.post("/v1/embeddings").handler(ctx -> embeddings(ctx, ApiShape.OPENAI));
    router.post("/mistral/v1/chat/completions").handler(ctx -> chat(ctx, ApiShape.MISTRAL));
    router.get("/mistral/v1/models").handler(ctx -> models(ctx, ApiShape.OPENAI, null));
    router
        .post("/v1beta/openai/chat/completions")
        .handler(ctx -> chat(ctx, ApiShape.GOOGLE_OPENAI));
    router.get("/v1beta/openai/models").handler(ctx -> models(ctx, ApiShape.OPENAI, null));
    router.post("/v1/messages").handler(anthropic::messages);
    router.post("/v1/messages/count_tokens").handler(anthropic::countTokens);
    router
        .get("/v1/models")
        .handler(
            ctx -> {
              // Anthropic's SDKs and the gateway's Anthropic health probe send anthropic-version.
              if (ctx.request().getHeader("anthropic-version") != null) {
                anthropic.models(ctx);
              } else {
                models(ctx, ApiShape.OPENAI, null);
              }
            });
    router
        .get("/v1/models/:model")
        .handler(ctx -> models(ctx, ApiShape.OPENAI, ctx.pathParam("model")));
    // Azure OpenAI's "Models - List" (what the gateway's health checks probe on Azure).
    router.get("/openai/models").handler(ctx -> models(ctx, ApiShape.AZURE, null));
    router
        .post("/openai/deployments/:deployment/chat/completions")
        .handler(ctx -> chat(ctx, ApiShape.AZURE));
    router
        .post("/openai/deployments/:deployment/embeddings")
        .handler(ctx -> embeddings(ctx, ApiShape.AZURE));
    // Azure's v1 surface: the deployment in the body's model, no api-version (or "preview").
    router.post("/openai/v1/chat/completions").handler(ctx -> chat(ctx, ApiShape.AZURE_V1));
    router.post("/openai/v1/embeddings").handler(ctx -> embeddings(ctx, ApiShape.AZURE_V1));
    router.get("/openai/v1/models").handler(ctx -> models(ctx, ApiShape.AZURE_V1, null));
    // The Responses API: OpenAI's path and Azure's v1 GA path (deployment in the body's model).
    router.post("/v1/responses").handler(ctx -> responses(ctx, ApiShape.OPENAI));
    router.post("/openai/v1/responses").handler(ctx -> responses(ctx, ApiShape.AZURE_V1));
    for (String prefix : List.of("/v1/responses/", "/openai/v1/responses/")) {
      ApiShape shape = prefix.startsWith("/openai") ? ApiShape.AZURE_V1 : ApiShape.OPENAI;
      router.get(prefix + ":id").handler(ctx -> storedResponse(ctx, shape, "retrieve"));
      router.delete(prefix + ":id").handler(ctx -> storedResponse(ctx, shape, "delete"));
      router
          .get(prefix + ":id/input_items")
          .handler(ctx -> storedResponse(ctx, shape, "input_items"));
      router.post(prefix + ":id/cancel").handler(ctx -> storedResponse(ctx, shape, "cancel"));
    }
    router.route().failureHandler(ProviderHandler::failure);
  }

  // ----------------------------------------------------------------------------- responses

  /**
   * A stored response: the response, the request that made it, and its stream events (what a
   * streamed retrieve replays).
   */
  private record StoredResponse(JsonObject response, JsonObject request, List<String> events) {}

  /** Stored responses ({@code store} not false), the oldest dropped beyond a small bound. */
  private final Map<String, StoredResponse> storedResponses =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, StoredResponse> eldest) {
              return size() > 1_000;
            }
          });

  private void responses(RoutingContext ctx, ApiShape api) {
    Admitted a =
        admit(
            ctx,
            api,
            true,
            true,
            body -> {
              String unknown = ResponsesPayloads.unknownParameter(body);
              if (unknown != null) {
                // As OpenAI answers a field it does not know, e.g. chat completions' seed.
                return new BadRequest(
                    "Unknown parameter: '" + unknown + "'.", unknown, "unknown_parameter");
              }
              return responsesInputProblem(body);
            });
    if (a == null) {
      return;
    }
    JsonObject request = a.body();
    Object previous = request.getValue("previous_response_id");
    if (previous instanceof String id && !storedResponses.containsKey(id)) {
      ErrorReplies.send(
          ctx,
          400,
          OpenAiPayloads.error(
              "Previous response with id '" + id + "' not found.",
              "invalid_request_error",
              "previous_response_id",
              "previous_response_not_found"),
          Map.of());
      return;
    }
    afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (answerFault(ctx, api, a)) {
            return;
          }
          int forcedPieces = parseInt(ctx.request().getHeader(MockProvider.STREAM_CHUNKS_HEADER));
          if (forcedPieces == 0 && a.fault().completionPieces() != null) {
            forcedPieces = a.fault().completionPieces();
          }
          ChatAnswer answer =
              ChatAnswer.of(
                      ResponsesPayloads.chatView(request),
                      a.echoedModel(),
                      a.fault().refusal(),
                      forcedPieces)
                  .withUsage(a.fault().promptTokens(), a.fault().cachedTokens())
                  .contentFiltered(a.fault().contentFilter());
          String id = "resp_mock" + Long.toHexString(ids.incrementAndGet());
          long created = System.currentTimeMillis() / 1000;
          JsonObject response =
              ResponsesPayloads.response(id, created, a.echoedModel(), request, answer);
          List<String> events =
              ResponsesPayloads.streamEvents(id, created, a.echoedModel(), request, answer);
          if (!Boolean.FALSE.equals(request.getValue("store"))) {
            storedResponses.put(id, new StoredResponse(response, request, events));
          }
          if (Boolean.TRUE.equals(request.getValue("stream"))) {
            writer.stream(ctx, events, intervalMs(ctx, a.fault()), a.fault(), RESPONSES_ERROR);
          } else {
            writer.sendJson(ctx, response.encode(), a.fault());
          }
        });
  }

  /**
   * What the real API refuses about where a Responses request's input comes from: {@code input} (a
   * string or an array of items), a stored {@code prompt} ({@code {"id": …}}), a {@code
   * conversation} (its id, or {@code {"id": …}}) or a {@code previous_response_id} each supply it,
   * so a request with none of them is missing its {@code input}; a field of the wrong type is
   * refused by name, and so is a {@code previous_response_id} next to a {@code conversation}.
   */
  static BadRequest responsesInputProblem(JsonObject body) {
    Object input = body.getValue("input");
    if (input != null && !(input instanceof String) && !(input instanceof JsonArray)) {
      return invalidType("input", "a string or an array of input items", input);
    }
    Object prompt = body.getValue("prompt");
    if (prompt != null) {
      if (!(prompt instanceof JsonObject reference)) {
        return invalidType("prompt", "an object", prompt);
      }
      if (!(reference.getValue("id") instanceof String)) {
        return missing("prompt.id");
      }
    }
    Object conversation = body.getValue("conversation");
    if (conversation != null && !(conversation instanceof String)) {
      if (!(conversation instanceof JsonObject reference)) {
        return invalidType("conversation", "a string or an object", conversation);
      }
      if (!(reference.getValue("id") instanceof String)) {
        return missing("conversation.id");
      }
    }
    boolean continues = body.getValue("previous_response_id") instanceof String;
    if (continues && conversation != null) {
      // "Cannot be used in conjunction with `conversation`" (the API reference).
      return new BadRequest(
          "Mutually exclusive parameters: 'previous_response_id' cannot be used together with"
              + " 'conversation'.",
          "previous_response_id",
          null);
    }
    return input == null && prompt == null && conversation == null && !continues
        ? missing("input")
        : null;
  }

  private static BadRequest missing(String param) {
    return new BadRequest(
        "Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
  }

  private static BadRequest invalidType(String param, String expected, Object got) {
    String kind =
        got instanceof Number
            ? "a number"
            : got instanceof Boolean
                ? "a boolean"
                : got instanceof JsonArray
                    ? "an array"
                    : got instanceof JsonObject ? "an object" : "a string";
    return new BadRequest(
        "Invalid type for '"
            + param
            + "': expected "
            + expected
            + ", but got "
            + kind
            + " instead.",
        param,
        "invalid_type");
  }

  /**
   * The input items of a stored response, a page as OpenAI lists them: {@code order} ({@code desc},
   * newest first, unless {@code asc}), the items after the one {@code after} names, at most {@code
   * limit} (1 to 100, 20 by default), with the page's {@code first_id}, {@code last_id} and {@code
   * has_more} — what the SDKs' auto-pagination follows.
   */
  private void inputItems(RoutingContext ctx, ApiShape api, String id, StoredResponse stored) {
    List<JsonObject> items =
        new ArrayList<>(ResponsesPayloads.inputItems(id, stored.request().getValue("input")));
    if (!"asc".equals(ctx.request().getParam("order"))) {
      Collections.reverse(items);
    }
    int limit = 20;
    String limitParam = ctx.request().getParam("limit");
    if (limitParam != null) {
      try {
        limit = Integer.parseInt(limitParam);
      } catch (NumberFormatException e) {
        ErrorReplies.badRequest(
            ctx,
            api,
            "Invalid 'limit': expected an integer, but got '" + limitParam + "' instead.",
            "limit",
            "invalid_type");
        return;
      }
      if (limit < 1 || limit > 100) {
        ErrorReplies.badRequest(
            ctx,
            api,
            "Invalid 'limit': integer "
                + (limit < 1
                    ? "below minimum value. Expected a value >= 1"
                    : "above maximum value. Expected a value <= 100")
                + ", but got "
                + limit
                + " instead.",
            "limit",
            limit < 1 ? "integer_below_min_value" : "integer_above_max_value");
        return;
      }
    }
    int from = 0;
    String after = ctx.request().getParam("after");
    if (after != null) {
      from = items.size(); // an id the list does not hold: nothing after it
      for (int i = 0; i < items.size(); i++) {
        if (after.equals(items.get(i).getValue("id"))) {
          from = i + 1;
        }
      }
    }
    List<JsonObject> page = items.subList(from, Math.min(items.size(), from + limit));
    JsonArray data = new JsonArray(new ArrayList<>(page));
    writer.sendJson(
        ctx,
        new JsonObject()
            .put("object", "list")
            .put("data", data)
            .put("first_id", page.isEmpty() ? null : page.get(0).getValue("id"))
            .put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).getValue("id"))
            .put("has_more", from + page.size() < items.size())
            .encode(),
        FaultSpec.NONE);
  }

  /** The stored-response endpoints: retrieve, delete, input items, cancel. */
  private void storedResponse(RoutingContext ctx, ApiShape api, String action) {
    Admitted a = admit(ctx, api, false, true, null);
    if (a == null) {
      return;
    }
    String id = ctx.pathParam("id");
    StoredResponse stored = storedResponses.get(id);
    if (stored == null) {
      ErrorReplies.send(
          ctx,
          404,
          OpenAiPayloads.error(
              "No response found with id '" + id + "'.", "invalid_request_error", null, null),
          Map.of());
      return;
    }
    switch (action) {
      // delete, input_items and cancel answer after the fault's delay too (never with stall):
      // a provider slow to answer any stored-response call.
      case "delete" ->
          afterDelay(
              ctx,
              a.fault(),
              () -> {
                storedResponses.remove(id);
                writer.sendJson(
                    ctx,
                    new JsonObject()
                        .put("id", id)
                        .put("object", "response")
                        .put("deleted", true)
                        .encode(),
                    FaultSpec.NONE);
              });
      case "input_items" -> afterDelay(ctx, a.fault(), () -> inputItems(ctx, api, id, stored));
      case "cancel" ->
          afterDelay(
              ctx,
              a.fault(),
              () ->
                  ErrorReplies.send(
                      ctx,
                      400,
                      OpenAiPayloads.error(
                          "Only responses created with background mode can be cancelled.",
                          "invalid_request_error",
                          null,
                          null),
                      Map.of()));
      default -> {
        if (isTrue(ctx.request().getParam("stream"))) {
          afterDelay(ctx, a.fault(), () -> replay(ctx, stored, a.fault()));
        } else {
          // Chunked, as OpenAI's API answers (no Content-Length); after the fault's delay, or
          // never with stall (a provider slow to answer a retrieve); a byte at a time with trickle.
          afterDelay(
              ctx,
              a.fault(),
              () -> {
                String body = stored.response().encode();
                if (a.fault().trickleMs() != null) {
                  writer.trickle(ctx.response(), body, a.fault().trickleMs());
                  return;
                }
                ctx.response()
                    .setChunked(true)
                    .putHeader("content-type", "application/json")
                    .write(body.substring(0, body.length() / 2));
                ctx.response().end(body.substring(body.length() / 2));
              });
        }
      }
    }
  }

  /**
   * {@code GET /v1/responses/{id}?stream=true[&starting_after=N]}: the stored response's events
   * again, those with a {@code sequence_number} above {@code starting_after} (all without it), as
   * OpenAI resumes a background response's stream. Faults act as on a created stream ({@code delay}
   * before the headers, {@code drip} between the events, {@code stream-error}, {@code truncate},
   * ...); {@code echo-auth} puts the received credentials into the first text delta and writes that
   * event in two pieces that cut the credentials in half, one drip interval apart: a key split
   * across two reads.
   */
  private void replay(RoutingContext ctx, StoredResponse stored, FaultSpec fault) {
    long after = -1;
    String startingAfter = ctx.request().getParam("starting_after");
    if (startingAfter != null) {
      try {
        after = Long.parseLong(startingAfter.trim());
      } catch (NumberFormatException e) {
        ErrorReplies.send(
            ctx,
            400,
            OpenAiPayloads.error(
                "Invalid 'starting_after': expected an integer, but got '"
                    + startingAfter
                    + "' instead.",
                "invalid_request_error",
                "starting_after",
                "invalid_type"),
            Map.of());
        return;
      }
    }
    List<String> events = new ArrayList<>();
    boolean echoPending = fault.echoAuth();
    for (String event : stored.events()) {
      int data = event.indexOf("\ndata: ");
      JsonObject body = new JsonObject(event.substring(data + 7).trim());
      if (body.getLong("sequence_number", -1L) <= after) {
        continue;
      }
      if (echoPending && "response.output_text.delta".equals(body.getString("type"))) {
        echoPending = false;
        String credentials = ErrorReplies.receivedCredentials(ctx.request());
        body.put("delta", "You called me with " + credentials);
        String echoed = event.substring(0, data + 7) + body.encode() + "\n\n";
        int cut = echoed.indexOf(credentials) + credentials.length() / 2;
        events.add(echoed.substring(0, cut));
        events.add(echoed.substring(cut));
        continue;
      }
      events.add(event);
    }
    writer.stream(ctx, events, intervalMs(ctx, fault), fault, RESPONSES_ERROR);
  }

  /**
   * Answers uncaught handler failures in OpenAI's error shape: a field of the wrong JSON type (e.g.
   * {@code "n": "two"}) is the client's fault, anything else a mock bug reported as 500.
   */
  private static void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    boolean clientError = t instanceof ClassCastException || t instanceof DecodeException;
    if (!clientError) {
      LOG.warn("mock provider failed on {} {}", ctx.request().method(), ctx.request().path(), t);
    }
    int status = clientError ? 400 : ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    JsonObject body =
        OpenAiPayloads.error(
            clientError
                ? "Invalid type for a request parameter: " + t.getMessage()
                : "The mock provider failed: " + (t == null ? "HTTP " + status : t),
            status < 500 ? "invalid_request_error" : "server_error",
            null,
            null);
    ErrorReplies.send(ctx, status, body, Map.of());
  }

  /** Why a request is rejected with 400, in OpenAI's terms. */
  record BadRequest(String message, String param, String code) {}

  private static final BadRequest UNPARSABLE_BODY =
      new BadRequest(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
              + " using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
          null,
          null);

  /** Everything decided about one request before answering it. */
  record Admitted(
      String model, String echoedModel, JsonObject body, FaultSpec fault, String outcome) {}

  // ---------------------------------------------------------------------------------- chat

  private void chat(RoutingContext ctx, ApiShape api) {
    boolean fast = options.fastPath() || isTrue(ctx.request().getHeader(MockProvider.FAST_HEADER));
    Admitted a =
        admit(
            ctx,
            api,
            true,
            !fast,
            body ->
                api == ApiShape.MISTRAL && mistralExtraField(body) != null
                    ? new BadRequest(
                        "Extra inputs are not permitted",
                        mistralExtraField(body),
                        "extra_forbidden")
                    : !(body.getValue("messages") instanceof JsonArray)
                        ? new BadRequest(
                            "Missing required parameter: 'messages'.",
                            "messages",
                            "missing_required_parameter")
                        : api == ApiShape.GOOGLE_OPENAI
                                && GeminiRequestCheck.openAiCompatibleProblem(body) != null
                            ? new BadRequest(
                                GeminiRequestCheck.openAiCompatibleProblem(body), null, null)
                            : api == ApiShape.OPENAI && openAiChatProblem(body) != null
                                ? openAiChatProblem(body)
                                : modelProblem(
                                    api == ApiShape.AZURE
                                        ? ctx.pathParam("deployment")
                                        : body.getString("model", ""),
                                    body));
    if (a == null) {
      return;
    }
    afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (answerFault(ctx, api, a)) {
            return;
          }
          JsonObject request = a.body();
          if (api == ApiShape.MISTRAL && request.containsKey("random_seed")) {
            // Mistral's name for the seed; the answer echoes it as it echoes OpenAI's.
            request = request.copy().put("seed", request.getValue("random_seed"));
          }
          boolean stream = Boolean.TRUE.equals(request.getValue("stream"));
          JsonObject streamOptions = request.getJsonObject("stream_options");
          boolean includeUsage =
              stream
                  && streamOptions != null
                  && Boolean.TRUE.equals(streamOptions.getValue("include_usage"));
          // Clients may send an explicit "n": null; only a number changes the choice count.
          int n =
              request.getValue("n") instanceof Number count
                  ? Math.max(1, Math.min(8, count.intValue()))
                  : 1;
          int forcedPieces = parseInt(ctx.request().getHeader(MockProvider.STREAM_CHUNKS_HEADER));
          if (forcedPieces == 0 && a.fault().completionPieces() != null) {
            forcedPieces = a.fault().completionPieces();
          }
          String id = "chatcmpl-mock" + Long.toHexString(ids.incrementAndGet());
          long created = System.currentTimeMillis() / 1000;
          if (fast) {
            answerFast(ctx, a, stream, includeUsage, forcedPieces);
            return;
          }
          ChatAnswer answer =
              ChatAnswer.of(request, a.echoedModel(), a.fault().refusal(), forcedPieces)
                  .withUsage(a.fault().promptTokens(), a.fault().cachedTokens());
          if (options.persona(a.echoedModel()) != null) {
            answer = options.persona(a.echoedModel()).answer(request, answer);
          }
          answer = drift.apply(request, answer);
          answer = answer.contentFiltered(a.fault().contentFilter());
          String fingerprint = drift.fingerprint(options.systemFingerprint());
          if (stream) {
            List<String> events =
                api == ApiShape.MISTRAL
                    ? OpenAiPayloads.streamEventsUsageLast(
                        id, created, a.echoedModel(), fingerprint, answer, n)
                    : OpenAiPayloads.streamEvents(
                        id, created, a.echoedModel(), fingerprint, answer, n, includeUsage);
            if (api == ApiShape.GOOGLE_OPENAI && GeminiPayloads.signsCalls(a.echoedModel())) {
              events = GeminiPayloads.signedOpenAiEvents(events);
            }
            if (ReasoningPayloads.reasons(a.echoedModel())) {
              events =
                  ReasoningPayloads.withReasoning(events, ReasoningPayloads.reasoning(request));
            }
            if (relaysThinkingChunks(api, a.echoedModel())) {
              events =
                  ReasoningPayloads.withThinkingChunks(
                      events, ReasoningPayloads.reasoning(request));
            }
            if (asksLogprobs(request)) {
              events = OpenAiPayloads.withLogprobs(events, OpenAiPayloads.topLogprobs(request));
            }
            if (api == ApiShape.AZURE || api == ApiShape.AZURE_V1) {
              // Azure's stream opens with its prompt filter's verdict, before any token.
              List<String> filtered = new ArrayList<>(events.size() + 1);
              filtered.add(OpenAiPayloads.azurePromptFilterEvent());
              filtered.addAll(events);
              events = filtered;
            }
            writer.stream(ctx, events, intervalMs(ctx, a.fault()), a.fault());
          } else {
            JsonObject body =
                OpenAiPayloads.chatCompletion(id, created, a.echoedModel(), fingerprint, answer, n);
            if (asksLogprobs(request)) {
              OpenAiPayloads.withLogprobs(
                  body, answer.pieces(), OpenAiPayloads.topLogprobs(request));
            }
            if (ReasoningPayloads.reasons(a.echoedModel())) {
              ReasoningPayloads.withReasoning(body, ReasoningPayloads.reasoning(request));
            }
            if (relaysThinkingChunks(api, a.echoedModel())) {
              ReasoningPayloads.withThinkingChunks(body, ReasoningPayloads.reasoning(request));
            }
            if (api == ApiShape.AZURE || api == ApiShape.AZURE_V1) {
              OpenAiPayloads.withAzureFilterResults(body);
            }
            if (api == ApiShape.GOOGLE_OPENAI && GeminiPayloads.signsCalls(a.echoedModel())) {
              for (Object choice : body.getJsonArray("choices")) {
                GeminiPayloads.signOpenAiCall(
                    ((JsonObject) choice).getJsonObject("message").getJsonArray("tool_calls"));
              }
            }
            if (a.fault().echoAuth() && a.fault().streamErrorAfterEvents() == null) {
              // A 200 answer that repeats the credentials, e.g. a model asked for its own key.
              body.getJsonArray("choices")
                  .getJsonObject(0)
                  .getJsonObject("message")
                  .put(
                      "content",
                      "You called me with " + ErrorReplies.receivedCredentials(ctx.request()));
            }
            writer.sendJson(ctx, body.encode(), a.fault());
          }
        });
  }

  /** Whether a chat request asks for token logprobs ({@code logprobs: true}). */
  /**
   * Whether {@code model} answers its thinking as Mistral's content chunks on {@code api}: on
   * Mistral's path, and on the OpenAI path too, where a Magistral model is one reached through an
   * OpenAI-compatible endpoint that hands Mistral's answer on as it came (Mistral's own API
   * configured as {@code openai-compatible}, a proxy or aggregator in front of it, which names the
   * model {@code mistralai/magistral-…}).
   */
  private static boolean relaysThinkingChunks(ApiShape api, String model) {
    return (api == ApiShape.MISTRAL || api == ApiShape.OPENAI)
        && ReasoningPayloads.thinksInChunks(model);
  }

  private static boolean asksLogprobs(JsonObject request) {
    return Boolean.TRUE.equals(request.getValue("logprobs"));
  }

  /**
   * What OpenAI's chat completions refuses about parameters that depend on each other, with its 400
   * {@code invalid_request_error}; null when neither applies.
   *
   * <ul>
   *   <li>{@code metadata} without {@code store: true}: "The 'metadata' parameter is only allowed
   *       when 'store' is enabled." — the message as public reports quote the API's answer
   *       (spiceai/spiceai#5231, QwenLM/qwen-code#243, looplj/axonhub#1380, and the OpenAI
   *       community thread "metadata parameter in chat completion API reference documentation needs
   *       to be updated"); {@code param} {@code metadata} as OpenAI names the parameter an invalid
   *       request is about (the reports do not show it).
   *   <li>{@code top_logprobs} without {@code logprobs: true}: the openai-openapi document's {@code
   *       CreateChatCompletionRequest.top_logprobs} says "{@code logprobs} must be set to {@code
   *       true} if this parameter is used." No public report quotes the API's own message, so the
   *       mock's is that sentence without its markup, not an invented one; {@code param} {@code
   *       top_logprobs}.
   * </ul>
   */
  static BadRequest openAiChatProblem(JsonObject body) {
    if (body.getValue("metadata") != null && !Boolean.TRUE.equals(body.getValue("store"))) {
      return new BadRequest(
          "The 'metadata' parameter is only allowed when 'store' is enabled.", "metadata", null);
    }
    if (body.getValue("top_logprobs") != null && !Boolean.TRUE.equals(body.getValue("logprobs"))) {
      return new BadRequest(
          "logprobs must be set to true if this parameter is used.", "top_logprobs", null);
    }
    return null;
  }

  /**
   * What the model refuses about a chat request, whichever door: {@link #reasoningLimitProblem}, or
   * a reasoning model's {@code reasoning_content} in the input ({@link
   * ReasoningPayloads#inputProblem}); null when neither applies.
   */
  static BadRequest modelProblem(String model, JsonObject body) {
    BadRequest limit = reasoningLimitProblem(model, body);
    if (limit != null || !ReasoningPayloads.reasons(model)) {
      return limit;
    }
    String reasoning = ReasoningPayloads.inputProblem(body);
    return reasoning == null ? null : new BadRequest(reasoning, "messages", null);
  }

  /**
   * OpenAI's reasoning models (o-series, gpt-5, also as Azure deployments of the same name) refuse
   * the deprecated {@code max_tokens} with a 400 {@code unsupported_parameter}; they take {@code
   * max_completion_tokens}.
   */
  static BadRequest reasoningLimitProblem(String model, JsonObject body) {
    if (body.containsKey("max_tokens") && REASONING_MODEL.matcher(model).lookingAt()) {
      return new BadRequest(
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use"
              + " 'max_completion_tokens' instead.",
          "max_tokens",
          "unsupported_parameter");
    }
    return null;
  }

  /**
   * The top-level fields of Mistral's chat completions request (its API reference, {@code
   * ChatCompletionRequest} of mistralai/client-python, 2026-06); anything else is refused with a
   * 422 {@code extra_forbidden}.
   */
  private static final Set<String> MISTRAL_CHAT_FIELDS =
      Set.of(
          "model",
          "messages",
          "temperature",
          "top_p",
          "max_tokens",
          "stream",
          "stop",
          "random_seed",
          "metadata",
          "response_format",
          "tools",
          "tool_choice",
          "presence_penalty",
          "frequency_penalty",
          "n",
          "prediction",
          "parallel_tool_calls",
          "reasoning_effort",
          "prompt_mode",
          "guardrails",
          "prompt_cache_key",
          "safe_prompt");

  /**
   * The first field of a chat body that Mistral does not know, or null: a top-level one by its
   * name, one inside the messages by its path ({@code messages.0.name}, {@code
   * messages.1.content.0.cache_control}, the {@code loc} of Mistral's 422). Mistral's messages
   * (client-python's {@code UserMessage}, {@code SystemMessage}, {@code AssistantMessage}, 2026-06)
   * take no {@code name} — its {@code ToolMessage} does, its function's — nor a {@code
   * reasoning_content} or {@code reasoning} (its {@code AssistantMessage}: role, content,
   * tool_calls, prefix), and its content chunks ({@code TextChunk}, {@code ImageURLChunk}, ...) no
   * {@code cache_control}; its {@code FileChunk} ({@code type: file}) takes only an uploaded file's
   * {@code file_id}, never OpenAI's inline {@code file} object ({@code file_data}, {@code
   * filename}).
   */
  static String mistralExtraField(JsonObject body) {
    for (String name : body.fieldNames()) {
      if (!MISTRAL_CHAT_FIELDS.contains(name)) {
        return name;
      }
    }
    if (!(body.getValue("messages") instanceof JsonArray messages)) {
      return null;
    }
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        continue;
      }
      if (message.containsKey("name") && !"tool".equals(message.getValue("role"))) {
        return "messages." + i + ".name";
      }
      for (String reasoning : List.of("reasoning_content", "reasoning")) {
        // Mistral's AssistantMessage: role, content, tool_calls, prefix; nothing else.
        if (message.containsKey(reasoning)) {
          return "messages." + i + "." + reasoning;
        }
      }
      if (message.getValue("content") instanceof JsonArray parts) {
        for (int j = 0; j < parts.size(); j++) {
          if (parts.getValue(j) instanceof JsonObject part && part.containsKey("cache_control")) {
            return "messages." + i + ".content." + j + ".cache_control";
          }
          if (parts.getValue(j) instanceof JsonObject part && part.containsKey("file")) {
            return "messages." + i + ".content." + j + ".file";
          }
        }
      }
    }
    return null;
  }

  private static final Pattern REASONING_MODEL = Pattern.compile("o[1-9]($|-)|gpt-5");

  private void answerFast(
      RoutingContext ctx, Admitted a, boolean stream, boolean includeUsage, int pieces) {
    String key = a.echoedModel() + '|' + stream + '|' + includeUsage + '|' + pieces;
    Object cached =
        fastPathCache.computeIfAbsent(
            key,
            k -> {
              JsonObject request =
                  new JsonObject()
                      .put(
                          "messages",
                          new JsonArray()
                              .add(new JsonObject().put("role", "user").put("content", "")));
              ChatAnswer base = ChatAnswer.of(request, a.echoedModel(), false, 0);
              List<String> words = List.of(FAST_CONTENT.split("(?= )"));
              List<String> ps = new ArrayList<>();
              int count = pieces > 0 ? pieces : words.size();
              for (int i = 0; i < count; i++) {
                ps.add(words.get(i % words.size()));
              }
              ChatAnswer fixed =
                  new ChatAnswer(
                      String.join("", ps),
                      null,
                      null,
                      List.copyOf(ps),
                      "stop",
                      base.promptTokens(),
                      ps.size(),
                      0);
              long created = System.currentTimeMillis() / 1000;
              String fp = options.systemFingerprint();
              return stream
                  ? OpenAiPayloads.streamEvents(
                      "chatcmpl-fast", created, a.echoedModel(), fp, fixed, 1, includeUsage)
                  : OpenAiPayloads.chatCompletion(
                          "chatcmpl-fast", created, a.echoedModel(), fp, fixed, 1)
                      .encode();
            });
    if (cached instanceof String body) {
      writer.sendJson(ctx, body, a.fault());
    } else {
      @SuppressWarnings("unchecked")
      List<String> events = (List<String>) cached;
      writer.stream(ctx, events, intervalMs(ctx, a.fault()), a.fault());
    }
  }

  // ---------------------------------------------------------------------------- embeddings

  private void embeddings(RoutingContext ctx, ApiShape api) {
    Admitted a =
        admit(
            ctx,
            api,
            true,
            true,
            body -> {
              List<String> texts = embeddingInputs(body.getValue("input"));
              if (texts == null) {
                return new BadRequest(
                    "'input' must be a string or a non-empty array of strings or token ids.",
                    "input",
                    null);
              }
              return tooLongToEmbed(texts);
            });
    if (a == null) {
      return;
    }
    List<String> inputs = embeddingInputs(a.body().getValue("input"));
    Integer requested = a.body().getInteger("dimensions");
    int dims = requested != null && requested > 0 ? requested : options.embeddingDimensions();
    boolean base64 = "base64".equals(a.body().getString("encoding_format"));
    afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (answerFault(ctx, api, a)) {
            return;
          }
          JsonObject body = OpenAiPayloads.embeddings(a.echoedModel(), inputs, dims, base64);
          writer.sendJson(ctx, body.encode(), a.fault());
        });
  }

  /**
   * The longest input OpenAI's embedding models read, in tokens (text-embedding-3-*, ada-002:
   * 8,192; the mock's tokens are whitespace-separated words). Longer is refused with a 400, never
   * truncated.
   */
  static final int EMBEDDING_INPUT_TOKENS = 8192;

  /** OpenAI's refusal of an input over {@link #EMBEDDING_INPUT_TOKENS}, or null. */
  private static BadRequest tooLongToEmbed(List<String> inputs) {
    for (String input : inputs) {
      String stripped = input.strip();
      int tokens = stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
      if (tokens > EMBEDDING_INPUT_TOKENS) {
        return new BadRequest(
            "This model's maximum context length is "
                + EMBEDDING_INPUT_TOKENS
                + " tokens, however you requested "
                + tokens
                + " tokens ("
                + tokens
                + " in your prompt; 0 for the completion). Please reduce your prompt; or"
                + " completion length.",
            null,
            null);
      }
    }
    return null;
  }

  private static List<String> embeddingInputs(Object input) {
    if (input instanceof String s) {
      return List.of(s);
    }
    if (!(input instanceof JsonArray array) || array.isEmpty()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    if (array.getValue(0) instanceof Number) {
      // One pre-tokenised input: an array of token ids.
      out.add("tokens:" + array.encode());
      return out;
    }
    for (Object item : array) {
      if (item instanceof String s) {
        out.add(s);
      } else if (item instanceof JsonArray tokens) {
        out.add("tokens:" + tokens.encode());
      } else {
        return null;
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------- models

  private void models(RoutingContext ctx, ApiShape api, String single) {
    // Listing is not tied to a model: only per-request and wildcard rules apply to it.
    Admitted a = admit(ctx, api, false, true, null);
    if (a == null) {
      return;
    }
    afterDelay(
        ctx,
        a.fault(),
        () -> {
          if (answerFault(ctx, api, a)) {
            return;
          }
          if (single == null) {
            writer.sendJson(ctx, OpenAiPayloads.models(knownModels()).encode(), a.fault());
          } else {
            writer.sendJson(ctx, OpenAiPayloads.model(single).encode(), a.fault());
          }
        });
  }

  /**
   * Whether an {@code api-version} is one Azure's deployment paths know: a dated version ({@code
   * 2024-10-21}, {@code 2025-04-01-preview}). {@code v1} and {@code preview} belong to the v1
   * surface ({@code /openai/v1/...}); on a deployment path they, like a missing version, are a path
   * the resource does not have: 404 "Resource not found".
   */
  static boolean datedApiVersion(String version) {
    return version != null && DATED_API_VERSION.matcher(version).matches();
  }

  private static final Pattern DATED_API_VERSION =
      Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?");

  Set<String> knownModels() {
    Set<String> ids = new LinkedHashSet<>(options.models());
    ids.addAll(options.modelAliases().keySet());
    return ids;
  }

  // ----------------------------------------------------------------------------- admission

  /**
   * Checks URL shape, key, body and model, resolves the fault, counts the attempt and records the
   * request. Answers and returns {@code null} when the request is rejected. Rejected requests are
   * attempts too: a client that sends them should see them counted.
   */
  Admitted admit(
      RoutingContext ctx,
      ApiShape api,
      boolean needsBody,
      boolean record,
      Function<JsonObject, BadRequest> bodyCheck) {
    HttpServerRequest req = ctx.request();
    String presented = presentedKey(req, api, options.keyHeader());
    boolean accepted = keys.accepts(presented);
    String model = api == ApiShape.AZURE ? ctx.pathParam("deployment") : ctx.pathParam("model");
    boolean modelInBody = api.modelInBody();
    JsonObject body = null;
    BadRequest bad = null;
    if (needsBody) {
      try {
        body = ctx.body().asJsonObject();
      } catch (RuntimeException e) {
        body = null;
      }
      if (body == null) {
        bad = UNPARSABLE_BODY;
      } else if (modelInBody) {
        model = body.getValue("model") instanceof String m && !m.isBlank() ? m : null;
        if (model == null) {
          bad = new BadRequest("You must provide a model parameter.", "model", null);
        }
      }
    }

    FaultSpec fault = FaultSpec.NONE;
    String outcome;
    if (api == ApiShape.AZURE && !datedApiVersion(req.getParam("api-version"))) {
      outcome = "not-found";
    } else if (!accepted) {
      outcome = "unauthorized";
    } else if (bad != null) {
      outcome = "bad-request";
    } else if (model != null && !isKnown(model)) {
      outcome = "model-not-found";
    } else if (bodyCheck != null && (bad = bodyCheck.apply(body)) != null) {
      outcome = "bad-request";
    } else {
      String header = req.getHeader(MockProvider.FAULT_HEADER);
      try {
        fault =
            header != null
                ? FaultSpec.parse(header)
                : faults.next(model == null ? FaultRules.ANY_MODEL : model).orElse(FaultSpec.NONE);
        fault = rollFailRate(fault);
        outcome = outcomeOf(fault);
      } catch (IllegalArgumentException e) {
        bad =
            new BadRequest(
                "Invalid " + MockProvider.FAULT_HEADER + " header: " + e.getMessage(), null, null);
        outcome = "bad-request";
      }
    }

    long seq = stats.count(model, outcome);
    if (!outcome.startsWith("reset-")) {
      // Resets close the connection on purpose; any other early close is the client's doing.
      HttpServerResponse response = ctx.response();
      java.util.concurrent.atomic.AtomicBoolean left =
          new java.util.concurrent.atomic.AtomicBoolean();
      String counted = model;
      if (counted != null) {
        stats.enter(counted);
      }
      Runnable leave =
          () -> {
            if (counted != null && left.compareAndSet(false, true)) {
              stats.leave(counted);
            }
          };
      response.endHandler(v -> leave.run());
      response.closeHandler(
          v -> {
            if (!response.ended()) {
              stats.countClientAbort();
            }
            leave.run();
          });
    }
    // Like OpenAI's x-request-id; RequestRecord.requestId() gives the same value for assertions.
    ctx.response().putHeader("x-request-id", RequestRecord.requestId(seq));
    if (record) {
      stats.log(
          new RequestRecord(
              seq,
              Instant.now(),
              req.method().name(),
              req.path(),
              req.query(),
              redactedHeaders(req.headers(), options.keyHeader()),
              presented == null ? null : RequestRecord.fingerprint(presented),
              accepted,
              model,
              body,
              fault.toString(),
              outcome));
    }
    LOG.debug(
        "request #{} {} {} model={} outcome={}", seq, req.method(), req.path(), model, outcome);

    switch (outcome) {
      case "not-found" -> {
        ErrorReplies.send(
            ctx, 404, OpenAiPayloads.azureError("404", "Resource not found"), Map.of());
        return null;
      }
      case "unauthorized" -> {
        ErrorReplies.unauthorized(ctx, api, presented == null);
        return null;
      }
      case "model-not-found" -> {
        JsonObject err = ErrorReplies.modelNotFound(api, model);
        ErrorReplies.send(ctx, 404, err, Map.of());
        return null;
      }
      case "bad-request" -> {
        ErrorReplies.badRequest(ctx, api, bad.message(), bad.param(), bad.code());
        return null;
      }
      default -> {
        return new Admitted(
            model, resolve(model), body == null ? new JsonObject() : body, fault, outcome);
      }
    }
  }

  private boolean isKnown(String model) {
    // Aliases rename, they do not restrict: only a model list makes unknown ids 404.
    return options.models().isEmpty()
        || options.models().contains(model)
        || options.modelAliases().containsKey(model);
  }

  private String resolve(String model) {
    return model == null ? null : options.modelAliases().getOrDefault(model, model);
  }

  private FaultSpec rollFailRate(FaultSpec fault) {
    if (fault.failRate() == null) {
      return fault;
    }
    double roll;
    synchronized (random) {
      roll = random.nextDouble();
    }
    return fault.resolveFailRate(roll < fault.failRate());
  }

  private static String outcomeOf(FaultSpec f) {
    if (f.resetBeforeHeaders()) {
      return "reset-before-headers";
    }
    if (f.stall()) {
      return "stall";
    }
    if (f.status() != null) {
      return "status-" + f.status();
    }
    if (f.nonJson()) {
      return "non-json";
    }
    if (f.endlessJson()) {
      return "endless-json";
    }
    if (f.resetAfterHeaders()) {
      return "reset-after-headers";
    }
    if (f.truncateAfterEvents() != null) {
      return "truncate";
    }
    if (f.stallAfterEvents() != null) {
      return "stall-after";
    }
    if (f.streamErrorAfterEvents() != null) {
      return "stream-error";
    }
    if (f.refusal()) {
      return "refusal";
    }
    if (f.contentFilter()) {
      return "content-filter";
    }
    if (f.geminiFinish() != null) {
      return "gemini-finish";
    }
    if (f.anthropicStop() != null) {
      return "anthropic-stop";
    }
    if (f.linger()) {
      return "linger";
    }
    if (f.unterminatedEnd() != null) {
      return "unterminated-end";
    }
    return "ok";
  }

  private static String presentedKey(HttpServerRequest req, ApiShape api, String keyHeader) {
    if (keyHeader != null) {
      // Behind an API gateway: only its header counts; the API's own key header is not read.
      String key = req.getHeader(keyHeader);
      return key == null || key.isBlank() ? null : key.trim();
    }
    if (api == ApiShape.ANTHROPIC) {
      String key = req.getHeader("x-api-key");
      return key == null || key.isBlank() ? null : key.trim();
    }
    if (api == ApiShape.GEMINI) {
      String key = req.getHeader("x-goog-api-key");
      if (key == null) {
        key = req.getParam("key"); // Google also takes ?key=
      }
      return key == null || key.isBlank() ? null : key.trim();
    }
    if (api == ApiShape.AZURE || api == ApiShape.AZURE_V1) {
      String key = req.getHeader("api-key");
      return key == null || key.isBlank() ? null : key.trim();
    }
    String auth = req.getHeader("authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String key = auth.substring(7).trim();
    return key.isEmpty() ? null : key;
  }

  private static Map<String, List<String>> redactedHeaders(MultiMap headers, String keyHeader) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String name : headers.names()) {
      String lower = name.toLowerCase(Locale.ROOT);
      boolean secret =
          lower.equals("authorization")
              || lower.equals("api-key")
              || lower.equals("proxy-authorization")
              || lower.equals("x-api-key")
              || lower.equals("x-goog-api-key")
              || lower.equalsIgnoreCase(keyHeader);
      out.put(lower, secret ? List.of(RequestRecord.REDACTED) : List.copyOf(headers.getAll(name)));
    }
    return out;
  }

  // ------------------------------------------------------------------------------- faults

  void afterDelay(RoutingContext ctx, FaultSpec fault, Runnable action) {
    if (fault.stall()) {
      // Accept and never answer: the client's own timeout must fire.
      return;
    }
    long delay = fault.delayMinMs();
    if (fault.delayMaxMs() > fault.delayMinMs()) {
      synchronized (random) {
        delay += (long) (random.nextDouble() * (fault.delayMaxMs() - fault.delayMinMs() + 1));
      }
    }
    Runnable guarded =
        () -> {
          try {
            action.run();
          } catch (RuntimeException e) {
            // Route to the failure handler, also from a timer where nothing else would catch it.
            ctx.fail(e);
          }
        };
    if (delay <= 0) {
      guarded.run();
    } else {
      vertx.setTimer(
          delay,
          t -> {
            if (!ctx.response().closed()) {
              guarded.run();
            }
          });
    }
  }

  /** Answers faults that replace the normal body; returns true when it did. */
  boolean answerFault(RoutingContext ctx, ApiShape api, Admitted a) {
    FaultSpec f = a.fault();
    if (f.resetBeforeHeaders()) {
      AnswerWriter.reset(ctx.request());
      return true;
    }
    if (f.status() != null) {
      Map<String, String> headers = new LinkedHashMap<>();
      if (api == ApiShape.GEMINI) {
        // Gemini sends no Retry-After header: the delay is RetryInfo in the body.
        ErrorReplies.send(
            ctx,
            f.status(),
            ErrorReplies.geminiStatusBody(f, a.echoedModel(), ctx.request()),
            headers);
        return true;
      }
      if (f.retryAfterSeconds() != null) {
        headers.put("retry-after", String.valueOf(f.retryAfterSeconds()));
      }
      if (f.retryAfterMs() != null) {
        headers.put("retry-after-ms", String.valueOf(f.retryAfterMs()));
      }
      String echo = f.echoAuth() ? ErrorReplies.receivedCredentials(ctx.request()) : null;
      ErrorReplies.send(
          ctx,
          f.status(),
          ErrorReplies.statusBody(api, f.status(), a.echoedModel(), echo, f.errorCode()),
          headers);
      return true;
    }
    if (f.endlessJson()) {
      writer.sendEndlessJson(ctx);
      return true;
    }
    if (f.nonJson()) {
      ctx.response()
          .setStatusCode(200)
          .putHeader("content-type", "text/html; charset=utf-8")
          .end(
              "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad"
                  + " Gateway</h1></center><hr><center>nginx</center></body></html>\n");
      return true;
    }
    return false;
  }

  long intervalMs(RoutingContext ctx, FaultSpec fault) {
    if (fault.dripMs() != null) {
      return fault.dripMs();
    }
    int header = parseInt(ctx.request().getHeader(MockProvider.CHUNK_INTERVAL_HEADER));
    return header > 0 ? header : options.defaultChunkIntervalMs();
  }

  private static boolean isTrue(String value) {
    return value != null && (value.equalsIgnoreCase("true") || value.equals("1"));
  }

  static int parseInt(String value) {
    if (value == null) {
      return 0;
    }
    try {
      return Math.max(0, Integer.parseInt(value.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
