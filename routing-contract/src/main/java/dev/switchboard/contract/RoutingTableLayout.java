package dev.switchboard.contract;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * How a routing table's canonical bytes are laid out in ConfigMaps, which hold at most 1 MiB of
 * {@code data} + {@code binaryData} each. Three forms, chosen by size so that small tables stay
 * byte-identical to the plain form people read:
 *
 * <ol>
 *   <li><b>plain</b>: {@code data.routing.json} of ConfigMap {@code switchboard-routing}, the
 *       canonical JSON text, while it is at most {@link #PLAIN_MAX_BYTES};
 *   <li><b>compressed</b>: {@code binaryData.routing.json.gz}, the gzip of that text, while the
 *       gzip is at most {@link #SHARD_MAX_BYTES};
 *   <li><b>sharded</b>: the gzip cut into pieces of at most {@link #SHARD_MAX_BYTES}, piece {@code
 *       i} in {@code binaryData.routing.json.gz.part} of ConfigMap {@code switchboard-routing-<i>},
 *       and {@code data.manifest.json} of {@code switchboard-routing} naming every piece with its
 *       SHA-256. The writer writes the pieces first and the manifest last; a reader applies a
 *       manifest only once every piece it names is present with that digest, so it never serves a
 *       mix of two tables.
 * </ol>
 *
 * More than {@link #MAX_SHARDS} pieces is refused ({@link TableTooLargeException}).
 */
public final class RoutingTableLayout {

  /** What the API server accepts in one ConfigMap's {@code data} + {@code binaryData}. */
  public static final int CONFIG_MAP_LIMIT_BYTES = 1_048_576;

  /**
   * Largest plain JSON published as is. Below the API server's limit on purpose: the object's
   * metadata counts towards etcd's request limit too, and larger texts compress about tenfold.
   */
  public static final int PLAIN_MAX_BYTES = 512 * 1024;

  /** Largest compressed piece per ConfigMap, leaving room under the limit for keys. */
  public static final int SHARD_MAX_BYTES = 960 * 1024;

  /** Most shard ConfigMaps a table may use (their names are listed in the gateway's RBAC). */
  public static final int MAX_SHARDS = 8;

  /** A decompressed table larger than this is refused (a gzip bomb must not exhaust the heap). */
  public static final int MAX_TABLE_BYTES = 256 * 1024 * 1024;

  /** Key of the compressed table in {@code binaryData}. */
  public static final String COMPRESSED_KEY = "routing.json.gz";

  /** Key of the manifest in {@code data} of the sharded form. */
  public static final String MANIFEST_KEY = "manifest.json";

  /** Key of a shard's piece in its ConfigMap's {@code binaryData}. */
  public static final String SHARD_KEY = "routing.json.gz.part";

  /** The manifest's {@code encoding}: the pieces concatenated are one gzip stream. */
  public static final String GZIP = "gzip";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private RoutingTableLayout() {}

  /** Name of shard {@code index}: {@code switchboard-routing-<index>}. */
  public static String shardName(int index) {
    return RoutingTable.CONFIG_MAP_NAME + "-" + index;
  }

  /** One ConfigMap's content: {@code data} (text) and {@code binaryData} (raw bytes). */
  public record Part(String name, Map<String, String> data, Map<String, byte[]> binaryData) {
    public Part {
      data = Map.copyOf(data);
      binaryData = Map.copyOf(binaryData);
    }

    /** The bytes the API server counts against its limit: keys plus values. */
    public long sizeBytes() {
      long size = 0;
      for (Map.Entry<String, String> e : data.entrySet()) {
        size += utf8Length(e.getKey()) + utf8Length(e.getValue());
      }
      for (Map.Entry<String, byte[]> e : binaryData.entrySet()) {
        size += utf8Length(e.getKey()) + e.getValue().length;
      }
      return size;
    }
  }

  /** The objects to publish: the main ConfigMap and the shards (none unless sharded). */
  public record Layout(Part main, List<Part> shards, Form form) {
    public Layout {
      shards = List.copyOf(shards);
    }
  }

  /** Which form a table is published in. */
  public enum Form {
    PLAIN,
    COMPRESSED,
    SHARDED
  }

  /** The sharded form's table of contents; written last. */
  public record Manifest(String configVersion, String encoding, List<ShardRef> shards) {
    public Manifest {
      shards = shards == null ? List.of() : List.copyOf(shards);
    }
  }

  /** One shard: its ConfigMap name, the SHA-256 (hex) of its piece and the piece's length. */
  public record ShardRef(String name, String sha256, int bytes) {}

  /** The published form of a table with the standard limits. */
  public static Layout layout(byte[] canonicalJson, String configVersion) {
    return layout(canonicalJson, configVersion, PLAIN_MAX_BYTES, SHARD_MAX_BYTES, MAX_SHARDS);
  }

  /**
   * The published form with explicit limits (tests use small ones).
   *
   * @throws TableTooLargeException when even {@code maxShards} compressed pieces cannot hold it
   */
  public static Layout layout(
      byte[] canonicalJson, String configVersion, int plainMax, int shardMax, int maxShards) {
    if (canonicalJson.length <= plainMax) {
      return new Layout(
          new Part(
              RoutingTable.CONFIG_MAP_NAME,
              Map.of(
                  RoutingTable.CONFIG_MAP_KEY,
                  new String(canonicalJson, java.nio.charset.StandardCharsets.UTF_8)),
              Map.of()),
          List.of(),
          Form.PLAIN);
    }
    byte[] gzip = gzip(canonicalJson);
    if (gzip.length <= shardMax) {
      return new Layout(
          new Part(RoutingTable.CONFIG_MAP_NAME, Map.of(), Map.of(COMPRESSED_KEY, gzip)),
          List.of(),
          Form.COMPRESSED);
    }
    int count = (gzip.length + shardMax - 1) / shardMax;
    if (count > maxShards) {
      throw new TableTooLargeException(canonicalJson.length, gzip.length, count, maxShards);
    }
    List<Part> shards = new ArrayList<>();
    List<ShardRef> refs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] piece =
          Arrays.copyOfRange(gzip, i * shardMax, Math.min(gzip.length, (i + 1) * shardMax));
      shards.add(new Part(shardName(i), Map.of(), Map.of(SHARD_KEY, piece)));
      refs.add(new ShardRef(shardName(i), sha256(piece), piece.length));
    }
    Manifest manifest = new Manifest(configVersion, GZIP, refs);
    return new Layout(
        new Part(
            RoutingTable.CONFIG_MAP_NAME, Map.of(MANIFEST_KEY, writeManifest(manifest)), Map.of()),
        shards,
        Form.SHARDED);
  }

  /** The manifest of a main ConfigMap's {@code data}, if it is in the sharded form. */
  public static Optional<Manifest> manifest(Map<String, String> data) {
    String text = data == null ? null : data.get(MANIFEST_KEY);
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(text, Manifest.class));
    } catch (IOException e) {
      throw new RoutingTableCodec.InvalidRoutingTableException(
          "the routing table manifest is not valid JSON: " + e.getMessage(), e);
    }
  }

  /**
   * The canonical table bytes of a main ConfigMap in any of the three forms, or empty when it holds
   * none of the keys. Shard pieces are looked up by ConfigMap name.
   *
   * @throws IncompleteTableException when a shard is missing or does not match the manifest (the
   *     writer has not finished: try again later, keep the current table meanwhile)
   * @throws RoutingTableCodec.InvalidRoutingTableException when the content cannot be a table
   */
  public static Optional<byte[]> read(
      Map<String, String> data,
      Map<String, byte[]> binaryData,
      Function<String, Optional<byte[]>> shardPiece) {
    Map<String, String> text = data == null ? Map.of() : data;
    Map<String, byte[]> binary = binaryData == null ? Map.of() : binaryData;
    if (text.containsKey(RoutingTable.CONFIG_MAP_KEY)) {
      return Optional.of(
          text.get(RoutingTable.CONFIG_MAP_KEY).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    if (binary.containsKey(COMPRESSED_KEY)) {
      return Optional.of(gunzip(binary.get(COMPRESSED_KEY)));
    }
    Optional<Manifest> manifest = manifest(text);
    if (manifest.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(assemble(manifest.get(), shardPiece));
  }

  /** The table bytes a manifest names, every piece verified. */
  public static byte[] assemble(Manifest manifest, Function<String, Optional<byte[]>> shardPiece) {
    if (!GZIP.equals(manifest.encoding())) {
      throw new RoutingTableCodec.InvalidRoutingTableException(
          "the routing table manifest names an unknown encoding: " + manifest.encoding());
    }
    if (manifest.shards().isEmpty() || manifest.shards().size() > MAX_SHARDS) {
      throw new RoutingTableCodec.InvalidRoutingTableException(
          "the routing table manifest names " + manifest.shards().size() + " shards");
    }
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    for (ShardRef ref : manifest.shards()) {
      byte[] piece =
          shardPiece
              .apply(ref.name())
              .orElseThrow(
                  () ->
                      new IncompleteTableException(
                          "shard "
                              + ref.name()
                              + " of "
                              + manifest.configVersion()
                              + " is missing"));
      if (piece.length != ref.bytes() || !sha256(piece).equals(ref.sha256())) {
        throw new IncompleteTableException(
            "shard "
                + ref.name()
                + " does not match the manifest of "
                + manifest.configVersion()
                + " (not written yet, or already the next table's)");
      }
      whole.writeBytes(piece);
    }
    return gunzip(whole.toByteArray());
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 8 + 64);
    // GZIPOutputStream writes no file name and a zero mtime: equal input gives equal bytes, so
    // an unchanged table causes no write.
    try (GZIPOutputStream gzip = new GZIPOutputStream(out, 64 * 1024)) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory gzip cannot fail", e);
    }
    return out.toByteArray();
  }

  static byte[] gunzip(byte[] bytes) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 64 * 1024)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length * 8);
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (out.size() + n > MAX_TABLE_BYTES) {
          throw new RoutingTableCodec.InvalidRoutingTableException(
              "the compressed routing table expands beyond " + MAX_TABLE_BYTES + " bytes");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new RoutingTableCodec.InvalidRoutingTableException(
          "the compressed routing table is not valid gzip: " + e.getMessage(), e);
    }
  }

  /** Lowercase hex SHA-256. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  }

  private static String writeManifest(Manifest manifest) {
    try {
      return JSON.writeValueAsString(manifest);
    } catch (IOException e) {
      throw new IllegalStateException("a manifest always serializes", e);
    }
  }

  private static long utf8Length(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /** A table that does not fit even in {@link #MAX_SHARDS} compressed shards. */
  public static final class TableTooLargeException extends RuntimeException {
    public TableTooLargeException(long jsonBytes, long gzipBytes, int shardsNeeded, int maxShards) {
      super(
          "the routing table is "
              + jsonBytes
              + " bytes ("
              + gzipBytes
              + " compressed) and would need "
              + shardsNeeded
              + " ConfigMaps of at most 1 MiB; at most "
              + maxShards
              + " are allowed");
    }
  }

  /** A sharded table whose pieces are not all there (yet): keep the current table, try later. */
  public static final class IncompleteTableException extends RuntimeException {
    public IncompleteTableException(String message) {
      super(message);
    }
  }
}
