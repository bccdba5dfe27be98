package dev.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.switchboard.gateway.upstream.adapter.ThoughtSignedChat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How the Messages and Responses doors carry a provider's reasoning state to a client whose API has
 * no place for it, and recognise it when the client hands it back. Two kinds, each under its own
 * prefix: a Gemini thought signature ({@link #PREFIX} and Google's signature), the {@code
 * signature} of a {@code thinking} block (Messages) or the {@code encrypted_content} of a {@code
 * reasoning} item (Responses); and Anthropic's thinking blocks ({@link #ANTHROPIC_PREFIX} and the
 * base64 of the blocks' JSON array, which gives back exactly the texts, signatures and redacted
 * data Anthropic sent), the {@code encrypted_content} of a {@code reasoning} item (Responses). The
 * prefixes are what tell the gateway's carriers from genuine Anthropic signatures and OpenAI
 * encrypted reasoning (base64, which never holds a colon): a carrier goes back to its own provider
 * only (Gemini as the call's {@code thoughtSignature}, Anthropic as the blocks before the call's
 * {@code tool_use}), a genuine one travels to its own provider untouched.
 */
final class ThoughtCarrier {

  /** What every carrier of a Gemini thought signature starts with. */
  static final String PREFIX = ThoughtSignedChat.CARRIER_PREFIX;

  /** What every carrier of Anthropic thinking blocks starts with. */
  static final String ANTHROPIC_PREFIX = ThoughtSignedChat.ANTHROPIC_CARRIER_PREFIX;

  private static final ObjectMapper JSON = new ObjectMapper();

  private ThoughtCarrier() {}

  /** The carrier of Google's {@code signature}. */
  static String carry(String signature) {
    return PREFIX + signature;
  }

  /** The Google signature {@code value} carries; null when it is not one of the gateway's. */
  static String signature(String value) {
    return value != null && value.startsWith(PREFIX) && value.length() > PREFIX.length()
        ? value.substring(PREFIX.length())
        : null;
  }

  /**
   * The carrier of Anthropic's thinking {@code blocks} ({@code thinking} with {@code thinking} and
   * {@code signature}, {@code redacted_thinking} with {@code data}): the prefix and the base64 of
   * their JSON.
   */
  static String carryThinking(ArrayNode blocks) {
    return ANTHROPIC_PREFIX
        + Base64.getEncoder().encodeToString(blocks.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The Anthropic thinking blocks {@code value} carries, as they were carried; null when it is not
   * a carrier of Anthropic thinking.
   *
   * @throws IllegalArgumentException when it has the prefix but no blocks after it (not base64, not
   *     a JSON array of thinking and redacted-thinking blocks): a carrier the client changed
   */
  static ArrayNode thinkingBlocks(String value) {
    if (value == null || !value.startsWith(ANTHROPIC_PREFIX)) {
      return null;
    }
    JsonNode blocks;
    try {
      blocks =
          JSON.readTree(Base64.getDecoder().decode(value.substring(ANTHROPIC_PREFIX.length())));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not base64 JSON", e);
    }
    if (!(blocks instanceof ArrayNode array) || array.isEmpty()) {
      throw new IllegalArgumentException("no blocks");
    }
    for (JsonNode block : array) {
      if (!ThoughtSignedChat.isThinkingBlock(block)) {
        throw new IllegalArgumentException("not a thinking block");
      }
    }
    return array;
  }

  /** Whether {@code value} is one of the gateway's carriers of a Gemini thought signature. */
  static boolean isGeminiCarrier(String value) {
    return value != null && value.startsWith(PREFIX);
  }

  /** Whether {@code value} is one of the gateway's carriers, of either kind. */
  static boolean isCarrier(String value) {
    return value != null && (value.startsWith(PREFIX) || value.startsWith(ANTHROPIC_PREFIX));
  }
}
