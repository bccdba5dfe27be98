package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * A chat-completions request (the internal form a front door made of its client's request) whose
 * tool calls come with provider reasoning state held beside the tree, by tool-call id, rather than
 * in it: Gemini thought signatures, which only the Gemini adapter reads (as the calls' {@code
 * thoughtSignature}), and Anthropic thinking blocks, which only the Anthropic adapter reads (as the
 * {@code thinking} / {@code redacted_thinking} blocks before the call's {@code tool_use}). Every
 * other adapter serializes the tree, which carries no trace of them, so a foreign field never
 * reaches OpenAI, Mistral or the other provider — but Google's own OpenAI-compatible endpoint,
 * which takes signatures in the calls' {@code extra_content} ({@link #messagesWithSignatures}). A
 * tool call's own {@code extra_content.google.thought_signature} (a chat client's) still wins. (A
 * chat client hands Anthropic's blocks back in the tree itself, as its assistant messages' {@code
 * thinking_blocks}, which {@link AnthropicChatTranslation} reads and every other adapter leaves
 * out: that door's form is the client's body.) Stages may change the tree as they change any chat
 * form.
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
   * What every carrier of Anthropic thinking blocks the Responses door writes starts with (the
   * {@code encrypted_content} of a {@code reasoning} item), followed by the blocks' base64 JSON.
   */
  public static final String ANTHROPIC_CARRIER_PREFIX = "switchboard.anthropic-thinking.v1:";

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

  private final transient Map<String, ArrayNode> thinking;

  /** The fields of {@code chat} (shallowly) and the signatures of its calls by tool-call id. */
  public ThoughtSignedChat(ObjectNode chat, Map<String, String> signatures) {
    this(chat, signatures, Map.of());
  }

  /**
   * The fields of {@code chat} (shallowly), and the Gemini signatures and the Anthropic thinking
   * blocks of its calls by tool-call id.
   */
  public ThoughtSignedChat(
      ObjectNode chat, Map<String, String> signatures, Map<String, ArrayNode> thinking) {
    super(JsonNodeFactory.instance);
    setAll(chat);
    this.signatures = Map.copyOf(signatures);
    this.thinking = Map.copyOf(thinking);
  }

  /**
   * A deep copy that keeps the signatures: a caller that copies the chat form to send it elsewhere
   * hands a Gemini target the same signatures as the request's own target ({@link #shallowCopy}
   * keeps them too).
   */
  @Override
  public ThoughtSignedChat deepCopy() {
    return new ThoughtSignedChat(super.deepCopy(), signatures, thinking);
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
        ? new ThoughtSignedChat(signed, signed.signatures, signed.thinking)
        : JsonNodeFactory.instance.objectNode().setAll(chat);
  }

  /** The thought signature of the tool call {@code id}, or null. */
  public String signature(String id) {
    return id == null ? null : signatures.get(id);
  }

  /**
   * The Anthropic thinking blocks ({@code thinking} with its text and signature, {@code
   * redacted_thinking} with its data, as Anthropic gave them) that come before the tool call {@code
   * id}'s {@code tool_use}, or null. Never changed: an adapter that sends them sends these nodes.
   */
  public ArrayNode thinking(String id) {
    return id == null ? null : thinking.get(id);
  }

  /** Whether any tool call of the form has Anthropic thinking blocks. */
  public boolean hasThinking() {
    return !thinking.isEmpty();
  }

  /**
   * Whether {@code block} is one of Anthropic's thinking blocks as a client may hand it back: a
   * {@code thinking} block with a {@code thinking} text and a {@code signature}, or a {@code
   * redacted_thinking} block with its {@code data}. The one check of both ways back: the Responses
   * door's carrier and a chat client's {@code thinking_blocks}.
   */
  public static boolean isThinkingBlock(JsonNode block) {
    return switch (block.path("type").asText("")) {
      case "thinking" -> block.path("thinking").isTextual() && block.path("signature").isTextual();
      case "redacted_thinking" -> block.path("data").isTextual();
      default -> false;
    };
  }

  /**
   * {@code unhonoured} and the Responses {@code input[].reasoning}, when {@code chat} carries
   * Anthropic thinking blocks that an attempt does not send (a target of another provider, or an
   * Anthropic one not asked to think): the client's reasoning items were left out.
   */
  public static List<String> thinkingLeftOut(ObjectNode chat, List<String> unhonoured) {
    return chat instanceof ThoughtSignedChat signed && signed.hasThinking()
        ? UpstreamAdapter.EncodedRequest.concat(unhonoured, REASONING_LEFT_OUT)
        : unhonoured;
  }

  private static final List<String> REASONING_LEFT_OUT = List.of(NestedDrops.REASONING_ITEM);

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
