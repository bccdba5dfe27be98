package dev.switchboard.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.request.KeyDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * What the caches know about one chat request (its internal, chat-completions form): the exact key,
 * the semantic partition, the text the semantic cache embeds, and its temperature.
 *
 * <p>The <b>exact key</b> is a SHA-256 over the partition scope (who, route, front door, stream or
 * not, the resolved target) and the canonical request: every field with object keys sorted, the
 * model replaced by the resolved target, only {@code stream} and {@code stream_options} left out
 * (the answer mode is in the scope; a cached stream always carries usage and the replay hides it
 * when the client did not ask for it). So system prompt, tools, response format, seed and every
 * sampling parameter are in it.
 *
 * <p>The <b>semantic partition</b> is a SHA-256 over the same scope plus a hash of the system (and
 * developer) messages, of the tools and tool choice, of the response format, of every other request
 * field except the temperature (sampling parameters, seed, {@code n}, {@code stop}, {@code user}
 * …), the embedder's vector space ({@link Embedder#vectorSpace}), — when the last user message is
 * embedded — of the conversation before it, and of whatever the embedded messages say beside their
 * text (a user's {@code name}, an assistant turn's {@code tool_calls}, a tool result's {@code
 * tool_call_id}; nothing for plain text messages). Requests in different partitions can never see
 * each other's entries, whatever their similarity.
 *
 * <p>A request of another front door (Responses, Messages) also keys on the <b>door's own body</b>:
 * a target that speaks that format gets the body itself, and its answer depends on fields the chat
 * form leaves out ({@code previous_response_id}, {@code store}, hosted tools, {@code top_k}, {@code
 * thinking}, files, …). The whole body (but {@code model} and the stream fields) is in the exact
 * key; in the semantic partition, all of it but the temperature and the turn that is embedded. Such
 * a request is embedded only when the door's turns are plain text, which the chat form carries
 * whole.
 */
public record CacheRequest(
    String exactKey, String partition, String semanticText, double temperature) {

  /** The temperature a request without one runs at (OpenAI's and Anthropic's default). */
  public static final double DEFAULT_TEMPERATURE = 1.0;

  private static final Set<String> NOT_IN_KEY = Set.of("model", "stream", "stream_options");
  private static final Set<String> TOOLS =
      Set.of("tools", "tool_choice", "functions", "function_call", "parallel_tool_calls");
  private static final Set<String> OWN_HASH =
      Set.of(
          "messages",
          "model",
          "stream",
          "stream_options",
          "temperature",
          "response_format",
          "tools",
          "tool_choice",
          "functions",
          "function_call",
          "parallel_tool_calls");

  /**
   * The cache view of {@code chat}.
   *
   * @param scope who and where: tenant, route, front door, answer mode, resolved target (joined by
   *     the caller; never crosses partitions)
   * @param conversation embed the whole conversation rather than the last user message
   */
  public static CacheRequest of(ObjectNode chat, String scope, boolean conversation) {
    return of(chat, scope, conversation, CacheSettings.BUILTIN_MINILM);
  }

  /**
   * As {@link #of(ObjectNode, String, boolean)} for a route whose semantic cache embeds into {@code
   * embedder}'s vector space ({@link Embedder#vectorSpace}: the model, and for a provider's model
   * the server, kind and API version that make its vectors): part of the semantic partition, so
   * vectors of two embedders are never compared (the exact key does not depend on it).
   */
  public static CacheRequest of(
      ObjectNode chat, String scope, boolean conversation, String embedder) {
    return of(chat, null, null, scope, conversation, embedder);
  }

  /**
   * As {@link #of(ObjectNode, String, boolean, String)} for a request that came through another
   * front door than chat completions.
   *
   * @param door the door's own body, of which {@code chat} is the internal form (null: the chat
   *     completions door, whose body is {@code chat})
   * @param turns the field of {@code door} that holds the conversation ({@code messages}, {@code
   *     input})
   */
  public static CacheRequest of(
      ObjectNode chat,
      ObjectNode door,
      String turns,
      String scope,
      boolean conversation,
      String embedder) {
    Canonical exact = exactForm(chat, door, scope);
    Canonical system = new Canonical();
    Canonical history = new Canonical();
    JsonNode messages = chat.path("messages");
    int lastUser = -1;
    for (int i = 0; i < messages.size(); i++) {
      if ("user".equals(messages.get(i).path("role").asText())) {
        lastUser = i;
      }
    }
    String text = null;
    if (lastUser == messages.size() - 1 && lastUser >= 0) {
      text = conversation ? conversationText(messages) : textOf(messages.get(lastUser));
    }
    Canonical besideText = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String role = m.path("role").asText();
      if ("system".equals(role) || "developer".equals(role)) {
        system.node(m, Set.of());
      } else if (!conversation && i != lastUser) {
        history.node(m, Set.of());
      } else if (text != null && saysMoreThanItsText(m)) {
        // An embedded message: its text is embedded, but what else it says (a user's name, an
        // assistant turn's tool calls, a tool result's call id) changes the answer as well.
        if (besideText == null) {
          besideText = new Canonical();
        }
        besideText.string(Integer.toString(i));
        besideText.node(m, ROLE_AND_CONTENT);
      }
    }
    Canonical tools = new Canonical();
    Canonical format = new Canonical();
    Canonical rest = new Canonical();
    for (String name : sortedNames(chat)) {
      JsonNode value = chat.get(name);
      if (TOOLS.contains(name)) {
        tools.string(name);
        tools.node(value, Set.of());
      } else if ("response_format".equals(name)) {
        format.node(value, Set.of());
      } else if (!OWN_HASH.contains(name)) {
        rest.string(name);
        rest.node(value, Set.of());
      }
    }
    String exactKey = exact.sha256Hex();
    Canonical doorForm = new Canonical();
    if (door != null) {
      // What the door's body says beyond its chat form: everything but the temperature and the
      // turns, and the turns before the embedded one (all of them are embedded in conversation
      // mode). The embedded turns must be plain text, which the chat form carries whole.
      doorForm.node(door, Set.of("model", "stream", "stream_options", "temperature", turns));
      JsonNode doorTurns = door.path(turns);
      if (!conversation && doorTurns.isArray()) {
        doorForm.string("|turns|");
        for (int i = 0; i < doorTurns.size() - 1; i++) {
          doorForm.node(doorTurns.get(i), Set.of());
        }
      }
      if (!plainText(doorTurns, conversation)) {
        text = null;
      }
    }
    Canonical partition = new Canonical();
    partition.string(scope);
    partition.string(conversation ? "|conversation|" : "|last-user|");
    partition.string(embedder);
    partition.raw(system.sha256());
    partition.raw(tools.sha256());
    partition.raw(format.sha256());
    partition.raw(rest.sha256());
    partition.raw(history.sha256());
    if (door != null) {
      partition.raw(doorForm.sha256());
    }
    if (besideText != null) {
      // Only when there is something: plain text conversations keep their partitions.
      partition.string("|beside-text|");
      partition.raw(besideText.sha256());
    }
    return new CacheRequest(exactKey, partition.sha256Hex(), text, temperature(chat));
  }

  private static final Set<String> ROLE_AND_CONTENT = Set.of("role", "content");

  /** Whether a message has fields other than its role and content. */
  private static boolean saysMoreThanItsText(JsonNode message) {
    int plain = (message.has("role") ? 1 : 0) + (message.has("content") ? 1 : 0);
    return message.size() > plain;
  }

  /** The content part types that are plain text in the Messages and Responses formats. */
  private static final Set<String> TEXT_PARTS = Set.of("text", "input_text", "output_text");

  /**
   * Whether the embedded turns of a door's conversation are plain text: the last one (every one in
   * conversation mode) a message whose content is a string or text parts only.
   */
  private static boolean plainText(JsonNode turns, boolean conversation) {
    if (turns.isTextual()) {
      return true;
    }
    if (!turns.isArray() || turns.isEmpty()) {
      return false;
    }
    for (int i = conversation ? 0 : turns.size() - 1; i < turns.size(); i++) {
      JsonNode turn = turns.get(i);
      String type = turn.path("type").asText("message");
      JsonNode content = turn.path("content");
      if (!"message".equals(type) || !turn.has("role")) {
        return false;
      }
      if (content.isArray()) {
        for (JsonNode part : content) {
          if (!TEXT_PARTS.contains(part.path("type").asText())) {
            return false;
          }
        }
      } else if (!content.isTextual()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The cache view of {@code chat} for a route with only the exact cache: the same exact key as
   * {@link #of}, without the semantic partition and text (null), which only a semantic cache reads
   * and which cost as much again to compute.
   */
  public static CacheRequest exactOnly(ObjectNode chat, String scope) {
    return exactOnly(chat, null, scope);
  }

  /**
   * As {@link #exactOnly(ObjectNode, String)} for a request that came through another front door
   * ({@code door}: its own body, of which {@code chat} is the internal form; null for chat).
   */
  public static CacheRequest exactOnly(ObjectNode chat, ObjectNode door, String scope) {
    return new CacheRequest(
        exactForm(chat, door, scope).sha256Hex(), null, null, temperature(chat));
  }

  /**
   * The exact key's input: the scope, then the canonical request and, for another door, its own
   * body (this thread's buffer).
   */
  private static Canonical exactForm(ObjectNode chat, ObjectNode door, String scope) {
    Canonical exact = Canonical.forThisThread();
    exact.string(scope);
    exact.string("|request|");
    exact.node(chat, NOT_IN_KEY);
    if (door != null) {
      exact.string("|door|");
      exact.node(door, NOT_IN_KEY);
    }
    return exact;
  }

  private static double temperature(ObjectNode chat) {
    JsonNode t = chat.get("temperature");
    return t != null && t.isNumber() ? t.asDouble() : DEFAULT_TEMPERATURE;
  }

  /**
   * The text of a message's content: the string, or its text parts joined; null when a part is not
   * text (an image or audio is not embedded, so such a request is left to the exact cache).
   */
  static String textOf(JsonNode message) {
    JsonNode content = message.path("content");
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    for (JsonNode part : content) {
      if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
        return null;
      }
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(part.path("text").asText());
    }
    return out.toString();
  }

  private static String conversationText(JsonNode messages) {
    StringBuilder out = new StringBuilder();
    for (JsonNode m : messages) {
      String role = m.path("role").asText();
      if ("system".equals(role) || "developer".equals(role)) {
        continue;
      }
      String text = textOf(m);
      if (text == null) {
        return null; // tool calls, images: not a text conversation
      }
      out.append(role).append(": ").append(text).append('\n');
    }
    return out.toString();
  }

  /** An object's field names, sorted (most objects here have a handful of fields). */
  private static List<String> sortedNames(JsonNode node) {
    int n = node.size();
    if (n == 0) {
      return List.of();
    }
    List<String> names = new ArrayList<>(n);
    node.fieldNames().forEachRemaining(names::add);
    if (n > 1) {
      names.sort(null);
    }
    return names;
  }

  /**
   * The canonical form of JSON values as bytes, hashed once with SHA-256: object keys sorted, a
   * type tag before each value, strings length-prefixed ("ab"+"c" and "a"+"bc" never hash alike),
   * numbers by value (0.0 and 0 are one temperature). Collecting the bytes and hashing them in one
   * update is what keeps this cheap; the bytes are the ones the keys were always made of, so keys
   * do not change (pinned by CacheRequestKeysTest).
   */
  private static final class Canonical {

    private static final ThreadLocal<Canonical> THREAD = ThreadLocal.withInitial(Canonical::new);
    private static final HexFormat HEX = HexFormat.of();

    /** Buffers above this are not kept for the thread's next request. */
    private static final int KEEP_BYTES = 64 * 1024;

    private byte[] bytes = new byte[512];
    private int length;

    /** This thread's buffer, emptied; valid until it is hashed or the thread's next call. */
    static Canonical forThisThread() {
      Canonical c = THREAD.get();
      if (c.bytes.length > KEEP_BYTES) {
        c.bytes = new byte[512];
      }
      c.length = 0;
      return c;
    }

    void node(JsonNode node, Set<String> skipTopLevel) {
      if (node == null || node.isMissingNode()) {
        tag('m');
      } else if (node.isObject()) {
        tag('{');
        for (String name : sortedNames(node)) {
          if (skipTopLevel.contains(name)) {
            continue;
          }
          string(name);
          node(node.get(name), Set.of());
        }
        tag('}');
      } else if (node.isArray()) {
        tag('[');
        for (JsonNode item : node) {
          node(item, Set.of());
        }
        tag(']');
      } else if (node.isTextual()) {
        tag('s');
        string(node.textValue());
      } else if (node.isNumber()) {
        tag('n');
        // Integers spell the same as the stripped decimal; only fractions need BigDecimal.
        string(
            node.isIntegralNumber() && node.canConvertToLong()
                ? Long.toString(node.longValue())
                : node.decimalValue().stripTrailingZeros().toPlainString());
      } else if (node.isBoolean()) {
        tag(node.booleanValue() ? 't' : 'f');
      } else {
        tag('0');
      }
    }

    void tag(char c) {
      ensure(1);
      bytes[length++] = (byte) c;
    }

    /** A length-prefixed UTF-8 string. */
    void string(String s) {
      int n = s.length();
      ensure(4 + n);
      int start = length + 4;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          raw4(s.getBytes(StandardCharsets.UTF_8)); // not ASCII: the JDK's encoder
          return;
        }
        bytes[start + i] = (byte) c; // ASCII: one byte per char
      }
      length4(n);
      length += n;
    }

    private void raw4(byte[] utf8) {
      ensure(4 + utf8.length);
      length4(utf8.length);
      raw(utf8);
    }

    void raw(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, length, b.length);
      length += b.length;
    }

    private void length4(int n) {
      bytes[length++] = (byte) (n >>> 24);
      bytes[length++] = (byte) (n >>> 16);
      bytes[length++] = (byte) (n >>> 8);
      bytes[length++] = (byte) n;
    }

    private void ensure(int more) {
      if (length + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }

    /**
     * The hash of the bytes collected; hashed once. A buffer grown past {@link #KEEP_BYTES} is let
     * go here rather than at the thread's next request: a large body is keyed on a worker thread,
     * and a pool of idle workers must not each keep megabytes.
     */
    byte[] sha256() {
      byte[] digest = KeyDigest.sha256(bytes, length);
      if (bytes.length > KEEP_BYTES) {
        bytes = new byte[512];
        length = 0;
      }
      return digest;
    }

    String sha256Hex() {
      return HEX.formatHex(sha256());
    }
  }
}
