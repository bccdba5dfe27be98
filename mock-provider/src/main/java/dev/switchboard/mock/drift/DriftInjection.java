package dev.switchboard.mock.drift;

import dev.switchboard.mock.openai.ChatAnswer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Injected "silent model change" for drift tests: the provider keeps its model id but answers some
 * prompts differently and/or with another {@code system_fingerprint} — what a provider does when it
 * swaps the model behind an unchanged version. Without injection the mock is deterministic already
 * (the same model, last user message and seed give the same answer).
 *
 * <p>Which prompts change: those whose last user message contains one of {@code prompts}, plus a
 * stable {@code share} of all prompts chosen by a hash of the message (the same prompts every
 * time). Set through {@code PUT /_mock/drift}, cleared by {@code DELETE /_mock/drift}.
 */
public final class DriftInjection {

  /** The injected drift; {@link #NONE} when the mock answers as configured. */
  public record Settings(String fingerprint, double share, List<String> prompts) {
    public static final Settings NONE = new Settings(null, 0, List.of());

    public Settings {
      prompts = prompts == null ? List.of() : List.copyOf(prompts);
      if (share < 0 || share > 1) {
        throw new IllegalArgumentException("share must be between 0 and 1");
      }
    }

    /** From the admin API's JSON body. */
    public static Settings fromJson(JsonObject json) {
      JsonArray prompts = json.getJsonArray("prompts", new JsonArray());
      List<String> list = new ArrayList<>();
      for (Object p : prompts) {
        list.add(String.valueOf(p));
      }
      return new Settings(json.getString("fingerprint"), json.getDouble("share", 0.0), list);
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("fingerprint", fingerprint)
          .put("share", share)
          .put("prompts", new JsonArray(new ArrayList<>(prompts)));
    }
  }

  private volatile Settings settings = Settings.NONE;

  public Settings settings() {
    return settings;
  }

  public void set(Settings settings) {
    this.settings = settings == null ? Settings.NONE : settings;
  }

  /** The fingerprint to answer with: the injected one, else {@code configured}. */
  public String fingerprint(String configured) {
    String injected = settings.fingerprint();
    return injected == null ? configured : injected;
  }

  /** {@code answer}, or a changed one when {@code request}'s prompt is chosen to drift. */
  public ChatAnswer apply(JsonObject request, ChatAnswer answer) {
    Settings s = settings;
    if (answer.content() == null || (s.share() == 0 && s.prompts().isEmpty())) {
      return answer;
    }
    String user = lastUserText(request);
    if (!chosen(s, user)) {
      return answer;
    }
    String changed =
        "After a silent model update the answer reads differently: "
            + new StringBuilder(user).reverse();
    List<String> pieces = List.of(changed.split("(?= )"));
    return new ChatAnswer(
        changed,
        null,
        null,
        pieces,
        answer.finishReason(),
        answer.promptTokens(),
        pieces.size(),
        answer.cachedTokens());
  }

  static boolean chosen(Settings s, String user) {
    for (String p : s.prompts()) {
      if (!p.isEmpty() && user.contains(p)) {
        return true;
      }
    }
    return s.share() > 0 && bucket(user) < s.share();
  }

  /** A stable value in [0, 1) per text (the first 4 bytes of its SHA-256). */
  static double bucket(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      long v =
          ((d[0] & 0xffL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
      return v / 4294967296.0;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String lastUserText(JsonObject request) {
    JsonArray messages = request.getJsonArray("messages", new JsonArray());
    for (int i = messages.size() - 1; i >= 0; i--) {
      Object m = messages.getValue(i);
      if (m instanceof JsonObject msg && "user".equals(msg.getString("role"))) {
        Object content = msg.getValue("content");
        return content instanceof String s ? s : String.valueOf(content);
      }
    }
    return "";
  }
}
