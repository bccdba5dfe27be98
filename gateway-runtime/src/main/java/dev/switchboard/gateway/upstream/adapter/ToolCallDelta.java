package dev.switchboard.gateway.upstream.adapter;

/**
 * One {@code delta.tool_calls[]} entry of a streamed chunk: a fragment of one tool call. The first
 * fragment of a call usually carries its id, type and function name; later ones only the next piece
 * of the arguments. Concatenating the {@link #arguments} fragments of one {@link #index} in stream
 * order gives the call's arguments.
 *
 * @param index which call of the message the fragment belongs to (OpenAI's {@code index}; the
 *     entry's position in the event's list when the provider omits it)
 * @param id the call's id, or null when this fragment does not carry it
 * @param type the call's type ({@code function}), or null
 * @param name the function's name, or null
 * @param arguments the next piece of the function's arguments (JSON text), or null
 * @param thoughtSignature the call's Gemini thought signature (the internal format's {@code
 *     extra_content.google.thought_signature}), or null
 */
public record ToolCallDelta(
    int index, String id, String type, String name, String arguments, String thoughtSignature) {

  /** A fragment without a thought signature. */
  public ToolCallDelta(int index, String id, String type, String name, String arguments) {
    this(index, id, type, name, arguments, null);
  }
}
