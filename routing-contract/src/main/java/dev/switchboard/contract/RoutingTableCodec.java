package dev.switchboard.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads and writes the routing table in its canonical form: properties and map keys sorted, no
 * insignificant whitespace, nulls omitted. {@code configVersion} is {@code sha256:} + the SHA-256
 * of the canonical bytes of the table without its version, so equal tables have equal versions and
 * an unchanged world produces byte-identical output.
 */
public final class RoutingTableCodec {

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(SerializationFeature.INDENT_OUTPUT)
          // Readers ignore fields they do not know so that a newer operator's additive fields
          // do not break an older gateway; breaking changes bump schemaVersion instead.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private RoutingTableCodec() {}

  /** The canonical bytes of the table with its config version computed and filled in. */
  public static byte[] encode(RoutingTable table) {
    RoutingTable versioned = table.withConfigVersion(configVersionOf(table));
    return write(versioned);
  }

  /** The canonical text of the table with its config version filled in. */
  public static String encodeToString(RoutingTable table) {
    return new String(encode(table), StandardCharsets.UTF_8);
  }

  /**
   * The canonical bytes of a table whose config version {@link #versioned} already filled in: one
   * serialization instead of the two of {@link #encode} (large tables are megabytes).
   */
  public static byte[] encodeVersioned(RoutingTable versioned) {
    if (versioned.configVersion() == null) {
      throw new IllegalArgumentException("the table has no config version; use encode");
    }
    return write(versioned);
  }

  /** The table with its config version computed and filled in. */
  public static RoutingTable versioned(RoutingTable table) {
    return table.withConfigVersion(configVersionOf(table));
  }

  /** {@code sha256:HEX} over the canonical bytes of the table without a version. */
  public static String configVersionOf(RoutingTable table) {
    return sha256(write(table.withConfigVersion(null)));
  }

  private static String sha256(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  }

  /**
   * A routing document read once: the table as it is written (the {@code configVersion} it claims
   * kept) and the document's own version, {@link #configVersionOfDocument}.
   */
  public record AsWritten(RoutingTable table, String version) {}

  /**
   * Parses a table as {@link #decode} does and, from the same parse, the version of the document as
   * written: {@code sha256:} over its canonical bytes without {@code configVersion}, fields this
   * reader does not know included. For a document written by {@link #encode} it equals {@link
   * #configVersionOf} of the decoded table; for one a newer operator wrote with fields this version
   * drops when decoding, it still equals the version that operator published (re-encoding the
   * decoded table would hash without them).
   *
   * @throws InvalidRoutingTableException when the text is not a routing table
   */
  public static AsWritten readAsWritten(byte[] json) {
    com.fasterxml.jackson.databind.JsonNode tree;
    RoutingTable table;
    try {
      tree = CANONICAL.readTree(json);
      table =
          tree == null || tree.isMissingNode() || tree.isNull()
              ? null
              : CANONICAL.treeToValue(tree, RoutingTable.class);
    } catch (IOException e) {
      throw new InvalidRoutingTableException(
          "the routing table is not valid JSON of the expected shape: " + originalMessage(e), e);
    }
    if (table == null) {
      throw new InvalidRoutingTableException("the routing table document is empty");
    }
    if (!(tree instanceof com.fasterxml.jackson.databind.node.ObjectNode object)) {
      throw new InvalidRoutingTableException("the routing table document is not a JSON object");
    }
    object.remove("configVersion");
    // In the document's own order: a writer of this codec wrote it in canonical order, so the
    // bytes are its bytes (a hand-written file's version identifies its content as written).
    try {
      return new AsWritten(table, sha256(CANONICAL.writeValueAsBytes(object)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed JSON tree always serializes", e);
    }
  }

  /** The version of a routing document as written ({@link #readAsWritten}). */
  public static String configVersionOfDocument(byte[] json) {
    return readAsWritten(json).version();
  }

  /**
   * Parses a table. Structural problems (not JSON, wrong types) throw; semantic problems are for
   * {@link RoutingTableValidator}.
   *
   * @throws InvalidRoutingTableException when the text is not a routing table
   */
  public static RoutingTable decode(byte[] json) {
    try {
      RoutingTable table = CANONICAL.readValue(json, RoutingTable.class);
      if (table == null) {
        throw new InvalidRoutingTableException("the routing table document is empty");
      }
      return table;
    } catch (IOException e) {
      throw new InvalidRoutingTableException(
          "the routing table is not valid JSON of the expected shape: " + originalMessage(e), e);
    }
  }

  /** Parses a table from text. */
  public static RoutingTable decode(String json) {
    return decode(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String originalMessage(IOException e) {
    return e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
  }

  private static byte[] write(RoutingTable table) {
    try {
      return CANONICAL.writeValueAsBytes(table);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a routing table always serializes", e);
    }
  }

  /** Thrown when a document cannot be read as a routing table. */
  public static final class InvalidRoutingTableException extends RuntimeException {
    public InvalidRoutingTableException(String message) {
      super(message);
    }

    public InvalidRoutingTableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
