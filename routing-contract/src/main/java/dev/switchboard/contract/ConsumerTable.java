package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The consumer table: every Consumer of a namespace as the gateway enforces it, rendered by the
 * operator into the Secret {@value #SECRET_NAME} (key {@value #SECRET_KEY}). Keys appear only as
 * their hex SHA-256: the plaintext never leaves the consumer's own Secret.
 *
 * <p>An empty table means open access (no Consumer exists); one consumer or more means every API
 * request must present a known key.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConsumerTable(
    int schemaVersion,
    List<Consumer> consumers,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> operatorKeySha256) {

  /** The schema version this code writes and reads. */
  public static final int SCHEMA_VERSION = 1;

  /** Name of the Secret that carries the table. */
  public static final String SECRET_NAME = "switchboard-consumer-keys";

  /** Key of the table inside the Secret. */
  public static final String SECRET_KEY = "consumers.json";

  /** {@code onStoreUnavailable: allow}: count locally while the shared store is down. */
  public static final String STORE_UNAVAILABLE_ALLOW = "allow";

  /** {@code onStoreUnavailable: deny}: refuse the consumer's requests while the store is down. */
  public static final String STORE_UNAVAILABLE_DENY = "deny";

  /**
   * What a consumer label key may be (the Consumer CRD's rule): it becomes a metric label name
   * ({@code label_<key>}), so letters, digits and {@code _}, starting with a letter, at most 63.
   */
  public static final String LABEL_KEY_PATTERN = "^" + ConsumerTable.LABEL_KEY + "$";

  /** {@link #LABEL_KEY_PATTERN} without its anchors, to build other patterns from. */
  public static final String LABEL_KEY = "[A-Za-z][A-Za-z0-9_]{0,62}";

  /** {@link #LABEL_SELECTOR_PATTERN} without its anchors. */
  public static final String LABEL_SELECTOR = ConsumerTable.LABEL_KEY + "(=.{0,256})?";

  /**
   * A label a rule matches consumers by ({@code name} or {@code name=value}, as an evaluation's
   * opt-out label): a key a Consumer can carry, and a value no longer than a label value (256).
   */
  public static final String LABEL_SELECTOR_PATTERN = "^" + ConsumerTable.LABEL_SELECTOR + "$";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /**
   * @param operatorKeySha256 hex SHA-256 of the operator's own credential, which its requests to
   *     the gateways' admin port (drift checks) carry: once present, the admin port's drift entry
   *     answers only requests bearing it. Empty from an operator that does not send one.
   */
  public ConsumerTable {
    consumers = consumers == null ? List.of() : List.copyOf(consumers);
    operatorKeySha256 = operatorKeySha256 == null ? List.of() : List.copyOf(operatorKeySha256);
  }

  /** A table without an operator credential. */
  public ConsumerTable(int schemaVersion, List<Consumer> consumers) {
    this(schemaVersion, consumers, List.of());
  }

  /**
   * One Consumer as the gateway enforces it.
   *
   * @param keySha256 hex SHA-256 of each current key (several during a rotation)
   * @param models globs of the model names it may call ({@code *} any run of characters); null or
   *     empty: every model
   * @param rateLimits limits over all its requests, each in requests and/or tokens per minute
   * @param budget USD per UTC day and month; null: none
   * @param onStoreUnavailable {@value #STORE_UNAVAILABLE_ALLOW} or {@value #STORE_UNAVAILABLE_DENY}
   * @param labels added to its metrics and request log lines
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Consumer(
      String name,
      List<String> keySha256,
      List<String> models,
      List<RateLimit> rateLimits,
      Budget budget,
      String onStoreUnavailable,
      Map<String, String> labels) {
    public Consumer {
      keySha256 = keySha256 == null ? List.of() : List.copyOf(keySha256);
      models = models == null ? List.of() : List.copyOf(models);
      rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** Whether the consumer's requests are refused while the shared store is unavailable. */
    public boolean deniesWithoutStore() {
      return STORE_UNAVAILABLE_DENY.equalsIgnoreCase(onStoreUnavailable);
    }
  }

  /** A rate limit over all of one consumer's requests. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RateLimit(Integer requestsPerMinute, Long tokensPerMinute) {}

  /** Spend limits in USD; a null field is no limit. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Budget(Double usdPerDay, Double usdPerMonth) {}

  /** The table's JSON form (sorted maps, so the same input renders the same bytes). */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException("a consumer table always serialises", e);
    }
  }

  /**
   * Parses a table.
   *
   * @throws IllegalArgumentException when the document is not a consumer table of a known version,
   *     or not a valid one (a consumer without a name or listed twice, a malformed key hash)
   */
  public static ConsumerTable parse(byte[] json) {
    ConsumerTable table;
    try {
      table = JSON.readValue(json, ConsumerTable.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not a consumer table: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("not a consumer table: " + e.getMessage());
    }
    if (table == null || table.schemaVersion() != SCHEMA_VERSION) {
      throw new IllegalArgumentException(
          "unsupported consumer table schemaVersion "
              + (table == null ? "none" : table.schemaVersion()));
    }
    for (String hash : table.operatorKeySha256()) {
      if (hash == null || !hash.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("the operator key hash is not 64 lower-case hex digits");
      }
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Consumer c : table.consumers()) {
      if (c.name() == null || c.name().isBlank()) {
        throw new IllegalArgumentException("a consumer has no name");
      }
      // A consumer's name is what its spend, budget, limits and response-cache partition are kept
      // under: two entries of one name would share them, and each would read the other's cached
      // answers. Only a hand-written table can have them (Kubernetes names are unique).
      if (!names.add(c.name())) {
        throw new IllegalArgumentException(
            "consumer " + c.name() + " is listed twice; every consumer needs a name of its own");
      }
      for (String hash : c.keySha256()) {
        if (hash == null || !hash.matches("[0-9a-f]{64}")) {
          throw new IllegalArgumentException(
              "consumer " + c.name() + " has a key hash that is not 64 lower-case hex digits");
        }
      }
    }
    return table;
  }
}
