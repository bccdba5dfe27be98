package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import java.util.List;

/**
 * A request in the internal (chat completions) form, as its front door made it once for the
 * request, and whether it can be served that way: the one answer both the deterministic contract
 * (is the seed dropped?) and the door's {@link FrontDoor#narrowPlan narrowing} read.
 *
 * @param chat the chat form; for a request that cannot be bridged, without what chat completions
 *     cannot carry (such a request goes only to targets that speak the door's format, which get the
 *     client's body; the chat form then only informs the gateway's own decisions)
 * @param refusal why the request cannot be bridged faithfully (the 400 a chain of bridged targets
 *     only is answered), or null when it can
 * @param passThrough the request in the door's own format for a target that speaks it, when that is
 *     not the client's body: the client's history holds the gateway's {@link ThoughtCarrier
 *     carriers}, which only their own provider may get (Gemini as thought signatures, Anthropic as
 *     thinking blocks, through the chat form); null when the client's body goes as it is
 * @param leftOut the client's parameters, in the door's names, that the chat form does not carry
 *     (the Responses {@code metadata}, ...): a bridged attempt did not send them. Immutable; the
 *     shared empty {@link UpstreamAdapter.EncodedRequest#NONE} when it carries them all
 * @param withEffort the form for a target that honours a {@code reasoning_effort} ({@link
 *     UpstreamAdapter#honoursReasoningEffort}): {@code chat} with the effort the door made from the
 *     client's own way of asking for thinking (the Messages {@code thinking}), and {@code leftOut}
 *     without it; null when the client asked for none. {@code chat} itself, which every other
 *     reader of the request (cache, evaluation mirrors, ...) gets, has no such effort.
 */
public record ChatForm(
    ObjectNode chat,
    ApiException refusal,
    ObjectNode passThrough,
    List<String> leftOut,
    ChatForm withEffort) {

  /** A form with no effort of the door's making. */
  public ChatForm(
      ObjectNode chat, ApiException refusal, ObjectNode passThrough, List<String> leftOut) {
    this(chat, refusal, passThrough, leftOut, null);
  }

  /** A form that carries every parameter of the client's. */
  public ChatForm(ObjectNode chat, ApiException refusal, ObjectNode passThrough) {
    this(chat, refusal, passThrough, UpstreamAdapter.EncodedRequest.NONE);
  }

  /** A form whose door's own targets get the client's body. */
  public ChatForm(ObjectNode chat, ApiException refusal) {
    this(chat, refusal, null);
  }

  /** A request that is its own chat form or bridges completely. */
  public static ChatForm of(ObjectNode chat) {
    return new ChatForm(chat, null, null);
  }

  /**
   * The form an attempt on {@code target} is sent: {@link #withEffort} where its adapter honours
   * the effort, else this one (whose {@code leftOut} names the client's thinking). One null check
   * for a request that asked for no thinking.
   */
  public ChatForm forTarget(UpstreamAdapter adapter, PlannedTarget target) {
    return withEffort != null && adapter.honoursReasoningEffort(target) ? withEffort : this;
  }

  /** Whether the request can be served through chat completions. */
  public boolean bridgeable() {
    return refusal == null;
  }
}
