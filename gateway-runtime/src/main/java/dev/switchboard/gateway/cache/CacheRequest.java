package dev.switchboard.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
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
 * …), the embedder, and — when the last user message is embedded — of the conversation before it.
 * Requests in different partitions can never see each other's entries, whatever their similarity.
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
   * As {@link #of(ObjectNode, String, boolean)} for a route whose semantic cache embeds with {@code
   * embedder} ({@link Embedder#id()}): the embedder is part of the semantic partition, so vectors
   * of two models are never compared (the exact key does not depend on it).
   */
  public static CacheRequest of(
      ObjectNode chat, String scope, boolean conversation, String embedder) {
    MessageDigest exact = sha256();
    feed(exact, scope);
    feed(exact, "|request|");
    canonical(exact, chat, NOT_IN_KEY);

    JsonNode messages = chat.path("messages");
    MessageDigest system = sha256();
    MessageDigest history = sha256();
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
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String role = m.path("role").asText();
      if ("system".equals(role) || "developer".equals(role)) {
        canonical(system, m, Set.of());
      } else if (!conversation && i != lastUser) {
        canonical(history, m, Set.of());
      }
    }
    MessageDigest tools = sha256();
    MessageDigest format = sha256();
    MessageDigest rest = sha256();
    for (Iterator<String> names = sortedNames(chat); names.hasNext(); ) {
      String name = names.next();
      JsonNode value = chat.get(name);
      if (TOOLS.contains(name)) {
        feed(tools, name);
        canonical(tools, value, Set.of());
      } else if ("response_format".equals(name)) {
        canonical(format, value, Set.of());
      } else if (!OWN_HASH.contains(name)) {
        feed(rest, name);
        canonical(rest, value, Set.of());
      }
    }
    MessageDigest partition = sha256();
    feed(partition, scope);
    feed(partition, conversation ? "|conversation|" : "|last-user|");
    feed(partition, embedder);
    partition.update(system.digest());
    partition.update(tools.digest());
    partition.update(format.digest());
    partition.update(rest.digest());
    partition.update(history.digest());
    JsonNode t = chat.get("temperature");
    double temperature = t != null && t.isNumber() ? t.asDouble() : DEFAULT_TEMPERATURE;
    return new CacheRequest(hex(exact), hex(partition), text, temperature);
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

  private static Iterator<String> sortedNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    names.sort(null);
    return names.iterator();
  }

  /** Feeds {@code node} with sorted object keys and type tags, so equal JSON hashes equal. */
  private static void canonical(MessageDigest digest, JsonNode node, Set<String> skipTopLevel) {
    if (node == null || node.isMissingNode()) {
      digest.update((byte) 'm');
    } else if (node.isObject()) {
      digest.update((byte) '{');
      for (Iterator<String> names = sortedNames(node); names.hasNext(); ) {
        String name = names.next();
        if (skipTopLevel.contains(name)) {
          continue;
        }
        feed(digest, name);
        canonical(digest, node.get(name), Set.of());
      }
      digest.update((byte) '}');
    } else if (node.isArray()) {
      digest.update((byte) '[');
      for (JsonNode item : node) {
        canonical(digest, item, Set.of());
      }
      digest.update((byte) ']');
    } else if (node.isTextual()) {
      digest.update((byte) 's');
      feed(digest, node.asText());
    } else if (node.isNumber()) {
      // 0.0 and 0 are one temperature: numbers by value, not by spelling.
      digest.update((byte) 'n');
      feed(digest, node.decimalValue().stripTrailingZeros().toPlainString());
    } else if (node.isBoolean()) {
      digest.update(node.asBoolean() ? (byte) 't' : (byte) 'f');
    } else {
      digest.update((byte) '0');
    }
  }

  /** A length-prefixed string: "ab"+"c" and "a"+"bc" never hash alike. */
  private static void feed(MessageDigest digest, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int n = bytes.length;
    digest.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    digest.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }
}
