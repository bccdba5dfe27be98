package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoutingTableLayoutTest {

  /** A table of {@code count} routes whose names do not repeat, so gzip cannot shrink it to nil. */
  static RoutingTable tableOf(int count) {
    List<RoutingTable.Route> routes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name =
          "route-" + RoutingTableLayout.sha256(Integer.toString(i).getBytes()).substring(0, 24);
      routes.add(
          new RoutingTable.Route(
              name,
              name,
              List.of(),
              "standard",
              1,
              List.of(new RoutingTable.Target("openai-prod", "gpt-4o-2024-08-06", 1, 0)),
              List.of(),
              null));
    }
    RoutingTable sample =
        RoutingTableCodecTest.sample(
            Map.of(
                "openai-prod",
                RoutingTableCodecTest.provider("openai-prod", "https://api.openai.com/v1")));
    return new RoutingTable(
        RoutingTable.SCHEMA_VERSION,
        null,
        "default",
        sample.providers(),
        sample.policies(),
        routes);
  }

  private static byte[] bytes(RoutingTable table) {
    return RoutingTableCodec.encode(table);
  }

  private static Optional<byte[]> readBack(RoutingTableLayout.Layout layout) {
    Map<String, byte[]> pieces = new HashMap<>();
    layout
        .shards()
        .forEach(s -> pieces.put(s.name(), s.binaryData().get(RoutingTableLayout.SHARD_KEY)));
    return RoutingTableLayout.read(
        layout.main().data(), layout.main().binaryData(), n -> Optional.ofNullable(pieces.get(n)));
  }

  @Test
  void aSmallTableStaysThePlainJsonKeyByteForByte() {
    byte[] json = bytes(tableOf(3));
    RoutingTableLayout.Layout layout = RoutingTableLayout.layout(json, "v");
    assertThat(layout.form()).isEqualTo(RoutingTableLayout.Form.PLAIN);
    assertThat(layout.main().data())
        .containsExactly(
            Map.entry(RoutingTable.CONFIG_MAP_KEY, new String(json, StandardCharsets.UTF_8)));
    assertThat(layout.main().binaryData()).isEmpty();
    assertThat(layout.shards()).isEmpty();
    assertThat(readBack(layout)).hasValue(json);
  }

  @Test
  void tenThousandRoutesFitOneConfigMapCompressed() {
    byte[] json = bytes(tableOf(10_000));
    assertThat(json.length).isGreaterThan(RoutingTableLayout.CONFIG_MAP_LIMIT_BYTES);
    RoutingTableLayout.Layout layout = RoutingTableLayout.layout(json, "v");
    assertThat(layout.form()).isEqualTo(RoutingTableLayout.Form.COMPRESSED);
    assertThat(layout.main().sizeBytes())
        .isLessThanOrEqualTo(RoutingTableLayout.CONFIG_MAP_LIMIT_BYTES);
    assertThat(readBack(layout)).hasValue(json);
    // Deterministic: an unchanged table must not cause a write.
    assertThat(
            RoutingTableLayout.layout(json, "v")
                .main()
                .binaryData()
                .get(RoutingTableLayout.COMPRESSED_KEY))
        .isEqualTo(layout.main().binaryData().get(RoutingTableLayout.COMPRESSED_KEY));
  }

  @Test
  void aTableBeyondOneCompressedPieceIsShardedBehindAManifest() {
    RoutingTable table = tableOf(2_000);
    byte[] json = bytes(table);
    String version = RoutingTableCodec.configVersionOf(table);
    RoutingTableLayout.Layout layout =
        RoutingTableLayout.layout(json, version, 1024, 16 * 1024, 64);
    assertThat(layout.form()).isEqualTo(RoutingTableLayout.Form.SHARDED);
    assertThat(layout.shards()).hasSizeGreaterThan(1);
    assertThat(layout.shards())
        .allSatisfy(s -> assertThat(s.sizeBytes()).isLessThanOrEqualTo(16 * 1024 + 64));
    RoutingTableLayout.Manifest manifest =
        RoutingTableLayout.manifest(layout.main().data()).orElseThrow();
    assertThat(manifest.configVersion()).isEqualTo(version);
    assertThat(manifest.shards())
        .extracting(RoutingTableLayout.ShardRef::name)
        .startsWith(RoutingTableLayout.shardName(0), RoutingTableLayout.shardName(1));
    assertThat(readBack(layout)).hasValue(json);
  }

  @Test
  void aMissingOrForeignShardIsIncompleteNotATable() {
    RoutingTableLayout.Layout layout =
        RoutingTableLayout.layout(bytes(tableOf(2_000)), "v1", 1024, 16 * 1024, 64);
    RoutingTableLayout.Layout next =
        RoutingTableLayout.layout(bytes(tableOf(2_001)), "v2", 1024, 16 * 1024, 64);
    Map<String, String> manifest = layout.main().data();
    // Shard 0 missing.
    assertThatThrownBy(() -> RoutingTableLayout.read(manifest, Map.of(), n -> Optional.empty()))
        .isInstanceOf(RoutingTableLayout.IncompleteTableException.class)
        .hasMessageContaining("missing");
    // The next table's shards already written, its manifest not yet.
    Map<String, byte[]> nextPieces = new HashMap<>();
    next.shards()
        .forEach(s -> nextPieces.put(s.name(), s.binaryData().get(RoutingTableLayout.SHARD_KEY)));
    assertThatThrownBy(
            () ->
                RoutingTableLayout.read(
                    manifest, Map.of(), n -> Optional.ofNullable(nextPieces.get(n))))
        .isInstanceOf(RoutingTableLayout.IncompleteTableException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void aTableBeyondTheShardLimitIsRefusedWithItsSizes() {
    byte[] json = bytes(tableOf(2_000));
    assertThatThrownBy(() -> RoutingTableLayout.layout(json, "v", 1024, 4 * 1024, 2))
        .isInstanceOf(RoutingTableLayout.TableTooLargeException.class)
        .hasMessageContaining(json.length + " bytes")
        .hasMessageContaining("at most 2");
  }

  @Test
  void aGzipBombOrGarbageIsRejected() {
    assertThatThrownBy(
            () ->
                RoutingTableLayout.read(
                    Map.of(),
                    Map.of(RoutingTableLayout.COMPRESSED_KEY, new byte[] {1, 2, 3}),
                    n -> Optional.empty()))
        .isInstanceOf(RoutingTableCodec.InvalidRoutingTableException.class);
  }
}
