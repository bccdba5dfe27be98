package dev.switchboard.mock.record;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the mock saw of one request, for assertions such as "the model was rewritten" or "the
 * client's key never arrived". Credential header values are never stored: {@code authorization} and
 * {@code api-key} appear as {@value #REDACTED}, and {@link #keyFingerprint()} says which key was
 * presented (compare with {@link #fingerprint(String)}).
 *
 * @param sequence 1-based arrival number since start or the last reset
 * @param receivedAt arrival time
 * @param method HTTP method
 * @param path request path without query
 * @param query raw query string, or {@code null}
 * @param headers lower-cased header names to values, credentials redacted
 * @param keyFingerprint fingerprint of the presented key, or {@code null} when none was presented
 * @param keyAccepted whether the presented key was accepted (true when auth is disabled)
 * @param model the model id requested (body {@code model} or Azure deployment), or {@code null}
 * @param body the parsed JSON body, or {@code null} when absent or not JSON
 * @param fault the fault applied, {@code "none"} when answered normally
 * @param outcome the outcome label counted in {@link AttemptStats}
 */
public record RequestRecord(
    long sequence,
    Instant receivedAt,
    String method,
    String path,
    String query,
    Map<String, List<String>> headers,
    String keyFingerprint,
    boolean keyAccepted,
    String model,
    JsonObject body,
    String fault,
    String outcome) {

  /** Stand-in stored for credential header values. */
  public static final String REDACTED = "[redacted]";

  /** The {@code x-request-id} the mock answered this request with. */
  public String requestId() {
    return requestId(sequence);
  }

  /** The {@code x-request-id} for the request with arrival number {@code sequence}. */
  public static String requestId(long sequence) {
    return "req_mock" + sequence;
  }

  /** First value of a header (case-insensitive name), or {@code null}. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** A short, stable, non-reversible marker of a key: {@code sha256:} and 12 hex digits. */
  public static String fingerprint(String key) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "sha256:" + java.util.HexFormat.of().formatHex(digest, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  /** JSON form used by {@code GET /_mock/stats}. */
  public JsonObject toJson() {
    JsonObject h = new JsonObject();
    headers.forEach((k, v) -> h.put(k, new JsonArray(List.copyOf(v))));
    return new JsonObject()
        .put("sequence", sequence)
        .put("receivedAt", receivedAt.toString())
        .put("method", method)
        .put("path", path)
        .put("query", query)
        .put("headers", h)
        .put("keyFingerprint", keyFingerprint)
        .put("keyAccepted", keyAccepted)
        .put("model", model)
        .put("body", body)
        .put("fault", fault)
        .put("outcome", outcome);
  }
}
