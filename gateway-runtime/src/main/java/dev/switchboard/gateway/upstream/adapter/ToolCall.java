package dev.switchboard.gateway.upstream.adapter;

/**
 * One complete tool call of an answer's first choice.
 *
 * @param id the call's id (the client quotes it in the tool result), or null when the provider sent
 *     none
 * @param type the call's type ({@code function}), or null
 * @param name the function's name
 * @param arguments the function's arguments as the JSON text the model wrote (not validated)
 */
public record ToolCall(String id, String type, String name, String arguments) {}
