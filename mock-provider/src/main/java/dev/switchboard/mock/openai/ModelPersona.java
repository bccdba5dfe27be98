package dev.switchboard.mock.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * How a mock model "sounds", for side-by-side evaluations: instead of the echo, a model with a
 * persona answers {@code n} sentences of five words each, where {@code n} (4..12) comes from a hash
 * of the last user message times {@code verbosity} (so a 1.25 persona is 25 % wordier on the same
 * prompt), and refuses in plain text ({@link #PLAIN_REFUSAL}, finish reason {@code stop}, no
 * structured refusal) for the share {@code refusalRate} of prompts — chosen by the same hash, so a
 * model with a higher rate refuses every prompt a lower one does, plus more. Deterministic: the
 * same prompt always gets the same answer.
 */
public record ModelPersona(double verbosity, double refusalRate) {

  /** The plain-text refusal a persona answers with. */
  public static final String PLAIN_REFUSAL = "I'm sorry, but I can't help with that.";

  /** The persona's answer to {@code request}, with {@code base}'s prompt token count. */
  public ChatAnswer answer(JsonObject request, ChatAnswer base) {
    if (base.toolCall() != null || base.refusal() != null) {
      return base;
    }
    String prompt = ChatAnswer.lastUserText(request.getJsonArray("messages", new JsonArray()));
    long hash = hash(prompt);
    double u = (hash % 10_000) / 10_000.0;
    String text;
    if (u < refusalRate) {
      text = PLAIN_REFUSAL;
    } else {
      int sentences = (int) Math.round((4 + (hash / 10_000) % 9) * verbosity);
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < sentences; i++) {
        b.append(i == 0 ? "" : " ").append("Here is detail number ").append(i + 1).append('.');
      }
      text = b.toString();
    }
    List<String> pieces = ChatAnswer.splitWords(text);
    return new ChatAnswer(
        text, null, null, pieces, "stop", base.promptTokens(), pieces.size(), base.cachedTokens());
  }

  private static long hash(String prompt) {
    CRC32 crc = new CRC32();
    crc.update(prompt.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }
}
