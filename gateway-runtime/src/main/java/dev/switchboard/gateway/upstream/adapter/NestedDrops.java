package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a translation's walk over a request's messages and tools leaves out below the top level, by
 * a stable name ({@code messages[].name}, {@code messages[].content[].cache_control}, ...), each
 * once, in the order the walk met it: the nested part of what {@code
 * x-switchboard-unhonoured-params} names. One per translated request; no list until something is
 * left out, so a request that asks for nothing nested costs a field lookup per message or part.
 */
public final class NestedDrops {

  /** A message's {@code name} (chat completions): Anthropic and Gemini messages have none. */
  public static final String MESSAGE_NAME = "messages[].name";

  /** A content part's or block's {@code cache_control} (Anthropic prompt caching). */
  public static final String CONTENT_CACHE_CONTROL = "messages[].content[].cache_control";

  /** An assistant message's deprecated {@code function_call} (its {@code tool_calls} are sent). */
  public static final String MESSAGE_FUNCTION_CALL = "messages[].function_call";

  /** A function tool's {@code strict: true} (arguments that always match its schema). */
  public static final String TOOL_STRICT = "tools[].function.strict";

  /** A Messages {@code system} block's {@code cache_control}. */
  public static final String SYSTEM_CACHE_CONTROL = "system[].cache_control";

  /** A Messages tool's {@code cache_control}. */
  public static final String TOOL_CACHE_CONTROL = "tools[].cache_control";

  private List<String> names;

  /** Notes {@code name} when {@code node} gives {@code field} a value (not a JSON null). */
  public void note(JsonNode node, String field, String name) {
    JsonNode value = node.get(field);
    if (value != null && !value.isNull()) {
      add(name);
    }
  }

  /** Notes {@code name} (once). */
  public void add(String name) {
    if (names == null) {
      names = new ArrayList<>(2);
    }
    if (!names.contains(name)) {
      names.add(name);
    }
  }

  /** {@code first} then what was noted; {@code first} itself when nothing was. */
  public List<String> after(List<String> first) {
    return names == null ? first : UpstreamAdapter.EncodedRequest.concat(first, List.copyOf(names));
  }
}
