package dev.switchboard.gateway.determinism;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 (lower-case hex) of a chat request's system prompt: the text of every {@code system}
 * and {@code developer} message in order, each followed by one {@code \n}. A message's content is
 * its string, or the {@code text} of its text parts concatenated. A request without one hashes the
 * empty string ({@code e3b0c442…}), so the header is always there and two requests compare equal
 * exactly when their system prompts do.
 */
public final class SystemPromptHash {

  private SystemPromptHash() {}

  /** The hash of {@code body}'s system prompt. */
  public static String of(JsonNode body) {
    StringBuilder text = new StringBuilder();
    JsonNode messages = body == null ? null : body.get("messages");
    if (messages != null && messages.isArray()) {
      for (JsonNode message : messages) {
        String role = message.path("role").asText("");
        if (role.equals("system") || role.equals("developer")) {
          appendContent(text, message.get("content"));
          text.append('\n');
        }
      }
    }
    return sha256Hex(text.toString());
  }

  private static void appendContent(StringBuilder text, JsonNode content) {
    if (content == null) {
      return;
    }
    if (content.isTextual()) {
      text.append(content.asText());
    } else if (content.isArray()) {
      for (JsonNode part : content) {
        JsonNode partText = part.get("text");
        if (partText != null && partText.isTextual()) {
          text.append(partText.asText());
        }
      }
    }
  }

  static String sha256Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
