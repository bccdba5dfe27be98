package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A chat-completions request (the internal form a front door made of its client's request) whose
 * tool calls come with Gemini thought signatures held beside the tree, by tool-call id, rather than
 * in it: only the Gemini adapter reads them (as the calls' {@code thoughtSignature}); every other
 * adapter serializes the tree, which carries no trace of them, so a foreign field never reaches
 * OpenAI, Mistral or Anthropic. A tool call's own {@code extra_content.google.thought_signature} (a
 * chat client's) still wins. Stages may change the tree as they change any chat form.
 */
public final class ThoughtSignedChat extends ObjectNode {

  /**
   * What every carrier of a Gemini thought signature the front doors write starts with (the {@code
   * signature} of a {@code thinking} block, the {@code encrypted_content} of a {@code reasoning}
   * item); kept here, beside the signatures' internal form, for the adapters that must tell a
   * carrier from a provider's own reasoning state.
   */
  public static final String CARRIER_PREFIX = "switchboard.gemini-thought-signature.v1:";

  private static final long serialVersionUID = 1L;

  private final transient Map<String, String> signatures;

  /** The fields of {@code chat} (shallowly) and the signatures of its calls by tool-call id. */
  public ThoughtSignedChat(ObjectNode chat, Map<String, String> signatures) {
    super(JsonNodeFactory.instance);
    setAll(chat);
    this.signatures = Map.copyOf(signatures);
  }

  /**
   * A deep copy that keeps the signatures: a stage that copies the chat form to send it elsewhere
   * (the evaluation mirror) hands a Gemini candidate the same signatures as the request's own
   * target.
   */
  @Override
  public ThoughtSignedChat deepCopy() {
    return new ThoughtSignedChat(super.deepCopy(), signatures);
  }

  /** The thought signature of the tool call {@code id}, or null. */
  public String signature(String id) {
    return id == null ? null : signatures.get(id);
  }
}
