package dev.switchboard.gateway.request;

import dev.switchboard.gateway.consumer.ConsumerPolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * Who is calling, as far as the gateway tells callers apart: by the API key they present ({@code
 * Authorization: Bearer …}, {@code api-key} or {@code x-api-key}; an {@code Authorization} of
 * another scheme carries none) and by request headers. Only a SHA-256 of the key is ever kept,
 * computed on first use (most routes never ask), so the key itself is never stored, logged or used
 * as a map key. A consumer key resolves to its {@link ConsumerPolicy} here.
 */
public final class Caller {

  /** The identity of callers that present no key: they share one anonymous bucket. */
  public static final String ANONYMOUS = "anonymous";

  /** The headers a key may come in, in the order {@link #keyDigest} reads them. */
  private static final String[] KEY_HEADERS = {"authorization", "api-key", "x-api-key"};

  private final Function<String, String> headers;
  private final Function<String, List<String>> allValues;
  private String apiKeyHash;
  private boolean digested;
  private byte[] keyDigest;

  /** The header {@link #keyDigest} read the key from, or null without a key. */
  private String keyHeader;

  private ConsumerPolicy consumer;
  private Object consumerTicket;

  /**
   * @param headers request header lookup (case-insensitive)
   */
  public Caller(Function<String, String> headers) {
    this(headers, null);
  }

  /**
   * @param headers request header lookup (case-insensitive)
   * @param allValues every value of a request header (case-insensitive), for {@link
   *     #presentsTwoKeys} to see one key header given twice; null: the first value only
   */
  public Caller(Function<String, String> headers, Function<String, List<String>> allValues) {
    this.headers = headers;
    this.allValues = allValues;
  }

  /** A request header, or null. */
  public String header(String name) {
    return headers.apply(name);
  }

  /** The hex SHA-256 of the caller's API key, or {@link #ANONYMOUS} without one. */
  public String apiKeyHash() {
    if (apiKeyHash == null) {
      byte[] digest = keyDigest();
      apiKeyHash = digest == null ? ANONYMOUS : HexFormat.of().formatHex(digest);
    }
    return apiKeyHash;
  }

  /**
   * The SHA-256 of the key the caller presents ({@code Authorization: Bearer}, else {@code
   * api-key}, else {@code x-api-key}), or null without one. Computed once.
   */
  public byte[] keyDigest() {
    if (!digested) {
      digested = true;
      for (String header : KEY_HEADERS) {
        String token = keyIn(header, headers.apply(header));
        if (token == null || token.isEmpty()) {
          continue; // the next header in order
        }
        if (!token.isBlank()) {
          keyDigest = KeyDigest.bytes(token.strip());
          keyHeader = header;
        }
        break; // a blank key is no key, and no later header is read instead
      }
    }
    return keyDigest;
  }

  /** The key a value of key header {@code name} carries: for {@code Authorization} its Bearer's. */
  private static String keyIn(String name, String value) {
    return name.equals("authorization") ? bearer(value) : value;
  }

  /**
   * What a client rate limit keyed on {@code header:<name>} counts by: the hex SHA-256 of the
   * header's value, never the value, or null without the header. Any header may be a credential
   * (the key headers, {@code x-goog-api-key}, an API gateway's {@code Ocp-Apim-Subscription-Key}, a
   * header of the application's own), so none is kept as sent: a bucket lives minutes, and the
   * shared store's bucket names are derived from this. The digest also bounds what a bucket's key
   * holds, whatever the header's length. For the header the consumer key was read from, it is that
   * key's hash ({@link #apiKeyHash}: the key without its {@code Bearer} scheme), computed once for
   * both.
   */
  public String headerHash(String name) {
    String value = headers.apply(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    for (String keyHeaderName : KEY_HEADERS) {
      if (keyHeaderName.equalsIgnoreCase(name)) {
        keyDigest(); // which header the key came from
        if (keyHeaderName.equals(keyHeader)) {
          return apiKeyHash();
        }
        break;
      }
    }
    return KeyDigest.of(value);
  }

  /**
   * Whether the caller presents two different keys: in two of {@code Authorization: Bearer}, {@code
   * api-key} and {@code x-api-key}, or in one of them given twice. Such a request is refused where
   * keys are required: by {@link #keyDigest}'s order alone it would be served as whichever consumer
   * holds the key read first, so a proxy that adds its own header, or a client that mixes two keys,
   * would pick a consumer nobody chose. The same key in several headers (clients that set every
   * header they know) is one key. Costs three header lookups and, for each key header present (one,
   * as a rule), the list of its values; bytes only with two keys.
   */
  public boolean presentsTwoKeys() {
    String first = null;
    for (String name : KEY_HEADERS) {
      String value = headers.apply(name);
      if (value == null) {
        continue;
      }
      List<String> values = allValues == null ? List.of(value) : allValues.apply(name);
      for (String each : values) {
        String key = presented(keyIn(name, each));
        if (key == null) {
          continue;
        }
        if (first == null) {
          first = key;
        } else if (differ(first, key)) {
          return true;
        }
      }
    }
    return false;
  }

  private static String presented(String token) {
    return token == null || token.isBlank() ? null : token.strip();
  }

  /**
   * Whether two presented keys differ. Both come from the caller, so no comparison time tells it
   * anything; constant time all the same, as every key comparison of the gateway is.
   */
  private static boolean differ(String a, String b) {
    return a != null
        && b != null
        && !MessageDigest.isEqual(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The key of an {@code Authorization} value: the credential of the {@code Bearer} scheme (in any
   * case), {@code ""} for {@code Bearer} alone, null for anything else. Another scheme ({@code
   * Basic …}, {@code Token …}) or a value without a scheme is no key: hashing it whole would make
   * {@code Basic dXNlcjpwdw==} a "key", and a bare value is as likely another scheme's credential
   * as a key. OpenAI answers such a request 401, LiteLLM takes no key from a value without a
   * scheme.
   */
  private static String bearer(String auth) {
    if (auth == null) {
      return null;
    }
    if (auth.strip().equalsIgnoreCase("Bearer")) {
      return ""; // "Bearer" with an empty token (HTTP trims the space): no key, not the key
      // "Bearer"
    }
    return auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
  }

  /**
   * Whether the caller sends an {@code Authorization} header that is not {@code Bearer <key>} and
   * presents no key elsewhere ({@code api-key}, {@code x-api-key}): where keys are required it is
   * told the form the gateway expects rather than that its key is missing or unknown.
   */
  public boolean presentsAnotherScheme() {
    if (keyDigest() != null) {
      return false;
    }
    String auth = headers.apply("authorization");
    return auth != null && !auth.isBlank() && bearer(auth) == null;
  }

  /** The consumer the key belongs to (set by the identify stage), or null when none is required. */
  public ConsumerPolicy consumer() {
    return consumer;
  }

  public void consumer(ConsumerPolicy consumer) {
    this.consumer = consumer;
  }

  /** What the consumer stage admitted and must settle on the way back, or null. */
  public Object consumerTicket() {
    return consumerTicket;
  }

  public void consumerTicket(Object ticket) {
    this.consumerTicket = ticket;
  }
}
