package dev.switchboard.gateway.request;

import java.util.function.Function;

/**
 * Who is calling, as far as the gateway tells callers apart: by the API key they present ({@code
 * Authorization: Bearer …}, {@code api-key} or {@code x-api-key}) and by request headers. Only a SHA-256 of the key is
 * ever kept, computed on first use (most routes never ask), so the key itself is never stored,
 * logged or used as a map key. Consumer keys (milestone 2) resolve a named consumer here.
 */
public final class Caller {

  /** The identity of callers that present no key: they share one anonymous bucket. */
  public static final String ANONYMOUS = "anonymous";

  private final Function<String, String> headers;
  private String apiKeyHash;

  /**
   * @param headers request header lookup (case-insensitive)
   */
  public Caller(Function<String, String> headers) {
    this.headers = headers;
  }

  /** A request header, or null. */
  public String header(String name) {
    return headers.apply(name);
  }

  /** The hex SHA-256 of the caller's API key, or {@link #ANONYMOUS} without one. */
  public String apiKeyHash() {
    if (apiKeyHash == null) {
      String auth = headers.apply("authorization");
      String token =
          auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
              ? auth.substring(7).trim()
              : auth;
      if (token == null || token.isEmpty()) {
        token = headers.apply("api-key");
      }
      if (token == null || token.isEmpty()) {
        token = headers.apply("x-api-key"); // Anthropic SDKs and Claude Code
      }
      apiKeyHash = token == null || token.isEmpty() ? ANONYMOUS : KeyDigest.of(token);
    }
    return apiKeyHash;
  }
}
