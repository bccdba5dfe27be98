package dev.switchboard.contract;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a provider's static upstream headers ({@code spec.headers} of a ProviderEndpoint, {@code
 * headers} of a routing table's provider) may be: a header an HTTP/1.1 request can carry as it is.
 * One rule for the operator (a condition on the endpoint) and the gateway (a rejected table, for a
 * hand-written one): a value with a line break or control character would be refused by the HTTP
 * client on every request (its complaint quoting the value) or, written raw, split the request; a
 * hop-by-hop or framing header would change how the request is framed or forwarded.
 */
public final class UpstreamHeaders {

  /**
   * Headers about the connection or the message's framing, which the HTTP client owns. ({@code
   * Host}, {@code Content-Length} and {@code Content-Type} are not here: the gateway has always
   * ignored them in static headers, and an endpoint that sets one keeps working.)
   */
  static final Set<String> CONNECTION_HEADERS =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade");

  /**
   * Headers the gateway writes on every upstream call itself (or that a proxy on the way consumes,
   * {@code Proxy-Authorization}): a provider's key cannot be sent in one of them.
   */
  static final Set<String> GATEWAY_HEADERS =
      Set.of(
          "host",
          "content-length",
          "content-type",
          "accept",
          "user-agent",
          "x-request-id",
          "proxy-authorization");

  /**
   * Header names that carry a credential, lower case: the provider presets' key headers, and the
   * subscription-key headers of the API gateways put in front of model servers (Azure API
   * Management, Kong's key-auth, Apigee's convention, Gravitee). A key in a provider's static
   * headers would sit in the routing table ConfigMap; it belongs in the Secret, sent under such a
   * name by {@code spec.apiKeyHeader}.
   */
  static final Set<String> CREDENTIAL_HEADERS =
      Set.of(
          "authorization",
          "proxy-authorization",
          "api-key",
          "x-api-key",
          "x-goog-api-key",
          "ocp-apim-subscription-key",
          "apikey",
          "x-apikey",
          "x-gravitee-api-key");

  /** An HTTP header name (RFC 9110 token), as a schema pattern. */
  public static final String TOKEN_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

  /** An {@code apiKeyHeader.prefix}: a scheme, optionally followed by one space. */
  public static final String KEY_PREFIX_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,31} ?$";

  /**
   * The names {@link #keyHeaderProblem} refuses for the key ({@link #CONNECTION_HEADERS} and {@link
   * #GATEWAY_HEADERS}), as a case-insensitive pattern for the CRD's CEL rule.
   */
  public static final String OWNED_HEADER_PATTERN =
      "(?i)^(connection|keep-alive|proxy-connection|transfer-encoding|te|trailer|upgrade"
          + "|host|content-length|content-type|accept|user-agent|x-request-id"
          + "|proxy-authorization)$";

  /**
   * Longest {@code apiKeyHeader.prefix}: a scheme such as {@code Bearer }, never room for a key.
   */
  public static final int MAX_KEY_PREFIX = 32;

  private UpstreamHeaders() {}

  /**
   * Whether header {@code name} (any case) carries a credential (see {@link #CREDENTIAL_HEADERS}).
   */
  public static boolean isCredentialHeader(String name) {
    return name != null && CREDENTIAL_HEADERS.contains(name.toLowerCase(Locale.ROOT));
  }

  /**
   * What is wrong with sending a provider's key in header {@code name} after {@code prefix} (null:
   * none), or empty when it may be sent so. Problems name the field, never the prefix's value (a
   * key pasted there by mistake would otherwise reach a condition).
   */
  public static Optional<String> keyHeaderProblem(String name, String prefix) {
    if (name == null || name.isEmpty() || name.length() > 128 || !isToken(name)) {
      return Optional.of(
          "apiKeyHeader.name '"
              + printable(name)
              + "' is not a valid HTTP header name (1 to 128 letters, digits and"
              + " !#$%&'*+-.^_`|~)");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (CONNECTION_HEADERS.contains(lower) || GATEWAY_HEADERS.contains(lower)) {
      return Optional.of(
          "apiKeyHeader.name '"
              + name
              + "' is a header the gateway or the connection sets itself; name the header your"
              + " upstream reads the key from");
    }
    if (prefix != null && !isKeyPrefix(prefix)) {
      return Optional.of(
          "apiKeyHeader.prefix must be a scheme such as 'Bearer ' (1 to "
              + (MAX_KEY_PREFIX - 1)
              + " token characters, optionally one space after them), never a secret");
    }
    return Optional.empty();
  }

  /** A token of at most {@link #MAX_KEY_PREFIX} - 1 characters, optionally followed by a space. */
  private static boolean isKeyPrefix(String prefix) {
    String scheme = prefix.endsWith(" ") ? prefix.substring(0, prefix.length() - 1) : prefix;
    return !scheme.isEmpty() && scheme.length() < MAX_KEY_PREFIX && isToken(scheme);
  }

  /**
   * What is wrong with header {@code name}: {@code value}, or empty when it may be sent. The
   * problem names the header, never its value (a misplaced credential may be in it).
   */
  public static Optional<String> problem(String name, String value) {
    if (name == null || name.isEmpty() || !isToken(name)) {
      return Optional.of(
          "header name '"
              + printable(name)
              + "' is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)");
    }
    if (CONNECTION_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
      return Optional.of(
          "header '"
              + name
              + "' is about the connection or framing, which the gateway sets itself");
    }
    if (value == null || !isFieldValue(value)) {
      return Optional.of(
          "the value of header '"
              + name
              + "' has a line break or control character (only visible ASCII, spaces and tabs)");
    }
    return Optional.empty();
  }

  /**
   * Whether {@code key} can be an API key: all visible ASCII (0x21-0x7E), what keys are made of and
   * what a header value may carry without the HTTP client refusing it (its complaint would quote
   * the key). The gateway (keys it loads) and the operator (keys it resolves) apply this one rule.
   */
  public static boolean isValidKey(String key) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  /** RFC 9110 token characters. */
  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Visible ASCII, space and horizontal tab (no obs-text: upstream APIs expect ASCII). */
  private static boolean isFieldValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == '\t' || c >= 0x20 && c <= 0x7e)) {
        return false;
      }
    }
    return true;
  }

  /** {@code s} with anything outside visible ASCII shown as {@code ?} (for a message). */
  private static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(s.length(), 64));
    for (int i = 0; i < s.length() && i < 64; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x21 && c <= 0x7e ? c : '?');
    }
    return out.toString();
  }
}
