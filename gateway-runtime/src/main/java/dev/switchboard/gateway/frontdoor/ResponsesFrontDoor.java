package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.http.RequestValidator;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.responses.ResponseLocation;
import dev.switchboard.gateway.responses.ResponseLocations;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.adapter.NestedDrops;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/responses}, the OpenAI Responses API, JSON or SSE. Targets that speak it (OpenAI,
 * Azure OpenAI) get the client's body passed through; the others get its chat-completions form
 * ({@link ResponsesBridge}) and their answers are translated back into a Response object or the
 * Responses event sequence. Remembers which provider produced each response id ({@link
 * ResponseLocations}) and pins a {@code previous_response_id} follow-up to it.
 */
public final class ResponsesFrontDoor extends OpenAiFrontDoor {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ResponseLocations locations;

  public ResponsesFrontDoor(ResponseLocations locations) {
    super(Operation.RESPONSES);
    this.locations = locations;
  }

  /** Where the response ids this door served live. */
  public ResponseLocations locations() {
    return locations;
  }

  @Override
  public ObjectNode decodeRequest(Buffer raw) {
    ObjectNode body = parse(raw);
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      throw bad("You must provide a model parameter.", "model");
    }
    if (!model.isTextual() || model.asText().isBlank()) {
      throw bad("'model' must be a non-empty string.", "model");
    }
    JsonNode input = body.get("input");
    if (input != null && !input.isNull()) {
      if (!input.isTextual() && !input.isArray()) {
        throw bad("'input' must be a string or an array of input items.", "input");
      }
      for (int i = 0; i < input.size(); i++) {
        if (!input.get(i).isObject()) {
          throw bad("'input[" + i + "]' must be an object.", "input[" + i + "]");
        }
      }
    } else if (ResponsesBridge.textValue(body.get("previous_response_id")) == null
        && !body.hasNonNull("prompt")
        && !body.hasNonNull("conversation")) {
      throw bad("Missing required parameter: 'input'.", "input");
    }
    for (String flag : new String[] {"stream", "store", "background"}) {
      JsonNode value = body.get(flag);
      if (value != null && !value.isNull() && !value.isBoolean()) {
        throw bad("'" + flag + "' must be a boolean.", flag);
      }
    }
    JsonNode previous = body.get("previous_response_id");
    if (previous != null && !previous.isNull() && !previous.isTextual()) {
      throw bad("'previous_response_id' must be a string.", "previous_response_id");
    }
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull() && !tools.isArray()) {
      throw bad("'tools' must be an array.", "tools");
    }
    // The gateway's extension (the Responses API has none): checked as on chat completions.
    RequestValidator.checkSeed(body.get("seed"));
    return body;
  }

  @Override
  public boolean wantsStream(ObjectNode request) {
    return request.path("stream").asBoolean(false);
  }

  /**
   * A Responses stream always reports usage in its last event; the chat form of a bridged stream
   * asks for it ({@link ResponsesBridge}), and the chat usage chunk is the gateway's, never
   * relayed.
   */
  @Override
  public boolean askForUsage(ObjectNode request) {
    return true;
  }

  /**
   * The chat form ({@link ResponsesBridge}), what keeps the request from it, if anything, and the
   * body for targets that speak the Responses API when the gateway's own reasoning items (carriers,
   * a chat target's reasoning text) must be taken out of it.
   */
  @Override
  public String clientParam(String chatName) {
    return ResponsesBridge.clientParam(chatName);
  }

  @Override
  public ChatForm toChat(ObjectNode request) {
    ResponsesBridge.Problem problem = ResponsesBridge.problem(request);
    NestedDrops drops = new NestedDrops();
    ObjectNode chat = ResponsesBridge.toChat(request, drops);
    return new ChatForm(
        chat,
        problem == null ? null : bad(problem.message(), problem.param()),
        ResponsesBridge.withoutCarriers(request),
        drops.after(ResponsesBridge.leftOut(request)));
  }

  /**
   * Keeps the chain to the targets that can serve this request: a {@code previous_response_id}
   * follow-up to the provider that holds the previous response, a request that cannot be bridged
   * (storage, hosted tools, ...) to the targets that speak the Responses API; 400 when none of the
   * planned targets can.
   */
  @Override
  public Future<List<PlannedTarget>> narrowPlan(
      ObjectNode request, ChatForm form, List<PlannedTarget> plan, RequestContext ctx) {
    String previous = ResponsesBridge.textValue(request.get("previous_response_id"));
    if (previous != null) {
      // Another consumer's response is as unknown as one never served.
      return locations
          .find(previous)
          .map(
              location ->
                  pinned(
                      previous,
                      location == null || !location.visibleTo(ctx.consumerName()) ? null : location,
                      plan,
                      request));
    }
    if (form.bridgeable()) {
      return null;
    }
    List<PlannedTarget> native_ = UpstreamAdapters.speaking(plan, Operation.RESPONSES);
    if (native_.isEmpty()) {
      throw form.refusal();
    }
    return Future.succeededFuture(native_);
  }

  private static List<PlannedTarget> pinned(
      String previous, ResponseLocation location, List<PlannedTarget> plan, ObjectNode request) {
    if (location == null) {
      throw new ApiException(
          new OpenAiError(
              400,
              "Previous response with id '" + previous + "' not found.",
              "invalid_request_error",
              "previous_response_id",
              "previous_response_not_found",
              "invalid_request"));
    }
    if (!location.stored()) {
      throw bad(
          "Previous response with id '"
              + previous
              + "' was not stored: it was answered by a target that keeps no responses (bridged"
              + " through chat completions, or 'store': false). Send the conversation as 'input'"
              + " instead.",
          "previous_response_id");
    }
    List<PlannedTarget> same = new ArrayList<>();
    for (PlannedTarget target : plan) {
      if (target.provider().name().equals(location.provider())
          && UpstreamAdapters.forProvider(target.provider()).speaks(Operation.RESPONSES)) {
        // The target that produced it first, then the provider's other deployments.
        if (target.id().equals(location.targetId())) {
          same.add(0, target);
        } else {
          same.add(target);
        }
      }
    }
    if (same.isEmpty()) {
      throw bad(
          "Previous response with id '"
              + previous
              + "' is held by provider '"
              + location.provider()
              + "', which is not available to model '"
              + request.path("model").asText()
              + "'; a follow-up can only go to the provider that stored the previous response.",
          "previous_response_id");
    }
    return same;
  }

  /** Always: a chat answer is translated, a passed-through Response scanned for its id. */
  @Override
  public boolean readsReply(JsonReply reply) {
    return true;
  }

  @Override
  public Buffer encodeReply(JsonReply reply, ObjectNode request, RequestContext ctx) {
    if (reply.format() == Operation.RESPONSES) {
      rememberPassedThrough(reply.body(), ctx);
      return reply.body();
    }
    JsonNode chat;
    try {
      chat = JSON.readTree(reply.body().getBytes());
    } catch (IOException e) {
      throw new IllegalStateException("the adapter accepted this answer as JSON", e);
    }
    String id = ResponsesObjects.newId("resp");
    ObjectNode response =
        ResponsesObjects.fromChat(chat, request, id, ctx.clock().currentTimeMillis() / 1000);
    remember(id, false, ctx);
    return Buffer.buffer(response.toString());
  }

  /** Reads the top-level {@code id} and {@code store} with a streaming parser (no tree). */
  private void rememberPassedThrough(Buffer body, RequestContext ctx) {
    String id = null;
    boolean stored = true;
    try (JsonParser p = JSON.getFactory().createParser(body.getBytes())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("id".equals(name) && value == JsonToken.VALUE_STRING) {
          id = p.getText();
        } else if ("store".equals(name) && value == JsonToken.VALUE_FALSE) {
          stored = false;
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException unreadable) {
      // the adapter accepted the answer; what was read so far stands
    }
    if (id != null) {
      remember(id, stored, ctx);
    }
  }

  private void remember(String id, boolean stored, RequestContext ctx) {
    PlannedTarget target = ctx.target();
    if (target != null) {
      locations.remember(
          id,
          new ResponseLocation(target.provider().name(), target.id(), stored, ctx.consumerName()));
      if (stored) {
        ctx.storedResponseId(id); // kept with a cached copy: its deletion ends the copy
      }
    } else if (ctx.servedFromCache() && ctx.cacheProvider() != null && !stored) {
      // A cache hit has no target. Replayed bridged, it has an id of its own that no provider
      // holds: remembered as such, a follow-up or retrieve of it is told why it cannot be used,
      // as for the answer it copies. (A passed-through hit repeats the original's id, which the
      // original's request remembered.)
      locations.remember(
          id,
          new ResponseLocation(
              ctx.cacheProvider(), ctx.cacheTargetId(), false, ctx.consumerName()));
    }
  }

  @Override
  public StreamEncoder streamEncoder(Operation format, ObjectNode request, RequestContext ctx) {
    if (format == Operation.RESPONSES) {
      return new ResponsesStreamEncoders.PassThrough((id, stored) -> remember(id, stored, ctx));
    }
    return new ResponsesStreamEncoders.Bridged(
        request, ctx, (id, stored) -> remember(id, stored, ctx));
  }

  /**
   * The terminal {@code error} event of a Responses stream, numbered {@code sequence} (one past the
   * last event the client got), as this door ends a failed stream: for the stored-response stream
   * relay, which ends a broken retrieve the same way.
   */
  public static Buffer streamErrorEvent(OpenAiError error, long sequence) {
    return ResponsesStreamEncoders.frame(
        Buffer.buffer(), "error", ResponsesStreamEncoders.errorEvent(error, sequence));
  }

  private static ApiException bad(String message, String param) {
    return new ApiException(OpenAiError.invalidRequest(message, param));
  }
}
