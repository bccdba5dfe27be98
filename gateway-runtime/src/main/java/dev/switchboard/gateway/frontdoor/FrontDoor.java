package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * The API a client speaks on one path (chat completions, embeddings, Responses, Anthropic
 * Messages): checks the client's request, gives its internal form (chat completions) for targets
 * that do not speak the door's format, and turns the gateway's answers, stream events and errors
 * back into the client's format — passing them through where the target spoke that format, else
 * translating from the internal one. Stateless and shared (a stream's state lives in its {@link
 * StreamEncoder}).
 */
public interface FrontDoor {

  /** The operation requests through this door perform. */
  Operation operation();

  /**
   * Parses and checks a client body: only what the gateway needs to route and stream correctly.
   *
   * @throws dev.switchboard.gateway.http.ApiException (400) when it cannot be routed
   */
  ObjectNode decodeRequest(Buffer raw);

  /** The logical model name the client asked for. */
  String model(ObjectNode request);

  /** Whether the client asked for a stream. */
  boolean wantsStream(ObjectNode request);

  /**
   * Makes the upstream report usage on a stream, so tokens and cost are measured.
   *
   * @return true when the client did not ask for usage, so it must be hidden from the client
   */
  boolean askForUsage(ObjectNode request);

  /**
   * The internal (chat completions) form of {@code request}, for a target whose adapter does not
   * {@link dev.switchboard.gateway.upstream.adapter.UpstreamAdapter#speaks speak} this door's
   * format, and whether the request can be bridged at all (false when it needs something only this
   * door's own format carries: stored state, hosted tools, ...): one translation, made at most once
   * per request (the exchange keeps it). The request itself, always bridgeable, for a door whose
   * format is the internal one.
   */
  default ChatForm toChat(ObjectNode request) {
    return ChatForm.of(request);
  }

  /**
   * The name a client of this door gave the request parameter that its chat form ({@link #toChat})
   * calls {@code chatName}: how the answer names a parameter a bridged attempt's adapter reported
   * unhonoured. The same name by default (and for a door whose format is the internal one).
   */
  default String clientParam(String chatName) {
    return chatName;
  }

  /**
   * Narrows the planned attempt chain to the targets that can serve this request through this door
   * (a follow-up pinned to the provider that holds its state; a request that cannot be bridged kept
   * to the targets that speak the door's format). Called once per request, after planning.
   *
   * @param form the request's {@link #toChat chat form}, which says whether it can be bridged
   * @return null when the plan stands as it is (the default: no work), else the narrowed chain
   * @throws dev.switchboard.gateway.http.ApiException (400) when no planned target can serve it;
   *     the future may also fail with one
   */
  default Future<List<PlannedTarget>> narrowPlan(
      ObjectNode request, ChatForm form, List<PlannedTarget> plan, RequestContext ctx) {
    return null;
  }

  /**
   * The client's body of a JSON answer: the upstream's bytes as they are where {@code
   * reply.format()} is this door's own, else translated from the internal format.
   *
   * @param request the client's request (as decoded), for what the answer echoes
   */
  Buffer encodeReply(JsonReply reply, ObjectNode request, RequestContext ctx);

  /**
   * Whether {@link #encodeReply} reads {@code reply}'s body (translates or scans it): work that
   * grows with the answer, which the gateway runs on a worker for a large one. False by default:
   * the body goes out as it came.
   */
  default boolean readsReply(JsonReply reply) {
    return false;
  }

  /**
   * The encoder of one answered stream whose events arrive in {@code format} (this door's own, or
   * the internal format it was bridged through).
   */
  StreamEncoder streamEncoder(Operation format, ObjectNode request, RequestContext ctx);

  /** The body of an error answer. */
  Buffer encodeError(OpenAiError error);

  /**
   * The error this door answers for a request that failed with {@code cause}, which the gateway
   * mapped to {@code mapped}: that one by default. Called only on the error path.
   */
  default OpenAiError answerError(OpenAiError mapped, Throwable cause) {
    return mapped;
  }

  /**
   * Client headers that belong to this door's wire format and are forwarded to a target that speaks
   * it natively (passed through), never to a bridged one: protocol options such as Anthropic's
   * {@code anthropic-beta}. Never a credential; none by default.
   */
  default java.util.List<String> passThroughHeaders() {
    return java.util.List.of();
  }
}
