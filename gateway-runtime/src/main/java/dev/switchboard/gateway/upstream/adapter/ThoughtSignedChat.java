package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A chat-completions request (the internal form a front door made of its client's request) whose
 * tool calls come with Gemini thought signatures held beside the tree, by tool-call id, rather than
 * in it: only the Gemini adapter reads them (as the calls' {@code thoughtSignature}); every other
 * adapter serializes the tree, which carries no trace of them, so a foreign field never reaches
 * OpenAI, Mistral or Anthropic — but Google's own OpenAI-compatible endpoint, which takes them in
 * the calls' {@code extra_content} ({@link #messagesWithSignatures}). A tool call's own {@code
 * extra_content.google.thought_signature} (a chat client's) still wins. Stages may change the tree
 * as they change any chat form.
 */
public final class ThoughtSignedChat extends ObjectNode {

  /**
   * What every carrier of a Gemini thought signature the front doors write starts with (the {@code
   * signature} of a {@code thinking} block, the {@code encrypted_content} of a {@code reasoning}
   * item); kept here, beside the signatures' internal form, for the adapters that must tell a
   * carrier from a provider's own reasoning state.
   */
  public static final String CARRIER_PREFIX = "switchboard.gemini-thought-signature.v1:";

  /**
   * Whether a {@code thinking} block of a Messages history is the gateway's own, not Anthropic's: a
   * carrier of a Gemini thought signature ({@link #CARRIER_PREFIX}), or unsigned (a chat target's
   * reasoning text, which the Messages door writes with an empty signature; no Anthropic signature
   * is empty). Anthropic refuses a thinking block it did not sign, so such a block never reaches
   * it.
   */
  public static boolean isGatewaysThinking(JsonNode thinkingBlock) {
    String signature = thinkingBlock.path("signature").asText("");
    return signature.isEmpty() || signature.startsWith(CARRIER_PREFIX);
  }

  private static final long serialVersionUID = 1L;

  private final transient Map<String, String> signatures;

  /** The fields of {@code chat} (shallowly) and the signatures of its calls by tool-call id. */
  public ThoughtSignedChat(ObjectNode chat, Map<String, String> signatures) {
    super(JsonNodeFactory.instance);
    setAll(chat);
    this.signatures = Map.copyOf(signatures);
  }

  /**
   * A deep copy that keeps the signatures: a caller that copies the chat form to send it elsewhere
   * hands a Gemini target the same signatures as the request's own target ({@link #shallowCopy}
   * keeps them too).
   */
  @Override
  public ThoughtSignedChat deepCopy() {
    return new ThoughtSignedChat(super.deepCopy(), signatures);
  }

  /**
   * A new node with the fields of {@code chat} (not copies of their values) and, for a signed one,
   * its signatures: for a caller that sets top-level fields of its own on the chat form (an
   * evaluation mirror's stream fields). The chat form is never changed once made — attempts and
   * shadow copies encode it as it is, on workers too — so sharing its values is safe, and the copy
   * costs its field count, not its body's size (no body-sized work on the event loop).
   */
  public static ObjectNode shallowCopy(ObjectNode chat) {
    return chat instanceof ThoughtSignedChat signed
        ? new ThoughtSignedChat(signed, signed.signatures)
        : JsonNodeFactory.instance.objectNode().setAll(chat);
  }

  /** The thought signature of the tool call {@code id}, or null. */
  public String signature(String id) {
    return id == null ? null : signatures.get(id);
  }

  /**
   * The {@code messages} with each signature written where Google's OpenAI-compatible endpoint
   * takes it back, the call's {@code extra_content.google.thought_signature} (a call that has its
   * own keeps it): for that endpoint only. Only the assistant messages and calls that get one are
   * new; the rest are shared with this tree.
   */
  public ArrayNode messagesWithSignatures() {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (JsonNode message : path("messages")) {
      JsonNode calls = message.get("tool_calls");
      if (calls == null || !calls.isArray() || !(message instanceof ObjectNode assistant)) {
        out.add(message);
        continue;
      }
      ArrayNode signed = null;
      for (int i = 0; i < calls.size(); i++) {
        JsonNode call = calls.get(i);
        String signature = signature(call.path("id").asText(null));
        if (signature == null
            || call.path("extra_content").path("google").has("thought_signature")
            || !call.isObject()) {
          continue;
        }
        if (signed == null) {
          signed = calls.deepCopy();
        }
        ObjectNode copy = (ObjectNode) signed.get(i);
        ObjectNode extra =
            copy.get("extra_content") instanceof ObjectNode e ? e : copy.putObject("extra_content");
        ObjectNode google =
            extra.get("google") instanceof ObjectNode g ? g : extra.putObject("google");
        google.put("thought_signature", signature);
      }
      if (signed == null) {
        out.add(message);
      } else {
        ObjectNode copy = JsonNodeFactory.instance.objectNode().setAll(assistant);
        copy.set("tool_calls", signed);
        out.add(copy);
      }
    }
    return out;
  }
}
