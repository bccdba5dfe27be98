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

  /** A Messages assistant turn's {@code thinking} block (chat completions has no place for it). */
  public static final String THINKING_BLOCK = "messages[].content[].thinking";

  /** A Messages assistant turn's {@code redacted_thinking} block. */
  public static final String REDACTED_THINKING_BLOCK = "messages[].content[].redacted_thinking";

  /** A Responses {@code reasoning} input item (chat completions has no place for it). */
  public static final String REASONING_ITEM = "input[].reasoning";

  /** An assistant message's {@code refusal} (its earlier refusal, as text). */
  public static final String MESSAGE_REFUSAL = "messages[].refusal";

  /**
   * An assistant message's {@code reasoning_content}: a reasoning model's earlier reasoning, handed
   * back as the gateway gave it (a target whose messages have no such field refuses it).
   */
  public static final String MESSAGE_REASONING_CONTENT = "messages[].reasoning_content";

  /**
   * An assistant message's {@code thinking_blocks}: Anthropic's thinking handed back as the gateway
   * gave it (LiteLLM's field), which only an Anthropic target asked to think takes; every other
   * target leaves it out (an OpenAI-compatible server may refuse a field it does not define).
   */
  public static final String MESSAGE_THINKING_BLOCKS = "messages[].thinking_blocks";

  /** An assistant message's {@code reasoning} (vLLM's name for its reasoning_content). */
  public static final String MESSAGE_REASONING = "messages[].reasoning";

  /** An assistant message's {@code audio} (the id of its earlier audio answer). */
  public static final String MESSAGE_AUDIO = "messages[].audio";

  /**
   * The name of a content part of {@code type} a translation leaves out whole (a system message's
   * image, an assistant's refusal part, ...): {@code messages[].content[].<type>}, the part's own
   * field, for the types chat completions defines; {@code messages[].content[].type} for any other,
   * so that the name never carries what the client wrote.
   */
  public static String contentPart(String type) {
    return switch (type) {
      case "text" -> "messages[].content[].text";
      case "image_url" -> "messages[].content[].image_url";
      case "input_audio" -> "messages[].content[].input_audio";
      case "file" -> "messages[].content[].file";
      case "refusal" -> "messages[].content[].refusal";
      default -> "messages[].content[].type";
    };
  }

  /** A {@code response_format} JSON schema's {@code strict: true} that the target does not keep. */
  public static final String RESPONSE_FORMAT_STRICT = "response_format.json_schema.strict";

  /** Where a function tool's parameters schema is, for the keywords a translation leaves out. */
  public static final String TOOL_PARAMETERS = "tools[].function.parameters";

  /** Where a {@code response_format}'s JSON schema is, for the keywords left out. */
  public static final String RESPONSE_SCHEMA = "response_format.json_schema.schema";

  /**
   * {@code name} with its {@code prefix} (a {@link #TOOL_PARAMETERS} keyword's, ...) replaced by
   * {@code clientPrefix}, the client's own name for it behind a bridging door; any other name as it
   * is.
   */
  public static String renamePrefix(String name, String prefix, String clientPrefix) {
    return name.startsWith(prefix)
            && name.length() > prefix.length()
            && name.charAt(prefix.length()) == '.'
        ? clientPrefix + name.substring(prefix.length())
        : name;
  }

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
