package dev.switchboard.gateway.upstream.adapter;

/**
 * One complete tool call of an answer's first choice.
 *
 * @param id the call's id (the client quotes it in the tool result), or null when the provider sent
 *     none
 * @param type the call's type ({@code function}), or null
 * @param name the function's name
 * @param arguments the function's arguments as the JSON text the model wrote (not validated)
 * @param thoughtSignature the call's Gemini thought signature (the internal format's {@code
 *     extra_content.google.thought_signature}), or null
 */
public record ToolCall(
    String id, String type, String name, String arguments, String thoughtSignature) {

  /** A call without a thought signature. */
  public ToolCall(String id, String type, String name, String arguments) {
    this(id, type, name, arguments, null);
  }
}
