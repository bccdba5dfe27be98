package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RoutingTableCodecTest {

  static RoutingTable sample(Map<String, RoutingTable.Provider> providers) {
    RoutingTable.Route route =
        new RoutingTable.Route(
            "chat-default",
            "chat-default",
            List.of("gpt-4o"),
            "standard",
            3,
            List.of(new RoutingTable.Target("openai-prod", "gpt-4o-2024-08-06", 100, 0)),
            List.of(),
            null);
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "standard", "priority", null, null, null, true, null, null, null, null, "none");
    return new RoutingTable(
        RoutingTable.SCHEMA_VERSION,
        null,
        "default",
        providers,
        Map.of("standard", policy),
        List.of(route));
  }

  static RoutingTable.Provider provider(String name, String url) {
    return new RoutingTable.Provider(
        name,
        "openai",
        url,
        true,
        null,
        Map.of("OpenAI-Organization", "org-1", "A-First", "x"),
        new RoutingTable.Timeouts(2000L, 15000L, 120000L, 30000L),
        20,
        null,
        null,
        Map.of(
            "gpt-4o-2024-08-06",
            new RoutingTable.Model(List.of("chat", "tools"), 128000L, null, null)));
  }

  @Test
  void sameTableGivesSameBytesWhateverTheMapOrder() {
    Map<String, RoutingTable.Provider> forward = new LinkedHashMap<>();
    forward.put("openai-prod", provider("openai-prod", "https://api.openai.com/v1"));
    forward.put("backup", provider("backup", "https://backup.example/v1"));
    Map<String, RoutingTable.Provider> reverse = new LinkedHashMap<>();
    reverse.put("backup", provider("backup", "https://backup.example/v1"));
    reverse.put("openai-prod", provider("openai-prod", "https://api.openai.com/v1"));

    assertThat(RoutingTableCodec.encode(sample(forward)))
        .isEqualTo(RoutingTableCodec.encode(sample(reverse)));
  }

  @Test
  void configVersionIsTheHashOfTheContentAndChangesWithIt() {
    RoutingTable a =
        sample(Map.of("openai-prod", provider("openai-prod", "https://api.openai.com/v1")));
    RoutingTable b =
        sample(Map.of("openai-prod", provider("openai-prod", "https://eu.api.openai.com/v1")));

    String versionA = RoutingTableCodec.configVersionOf(a);
    assertThat(versionA).matches("sha256:[0-9a-f]{64}");
    assertThat(RoutingTableCodec.configVersionOf(b)).isNotEqualTo(versionA);
    // The version does not depend on a version already present.
    assertThat(RoutingTableCodec.configVersionOf(a.withConfigVersion("sha256:old")))
        .isEqualTo(versionA);
  }

  @Test
  void roundTripsAndKeepsTheVersion() {
    RoutingTable table =
        sample(new TreeMap<>(Map.of("p", provider("p", "http://127.0.0.1:9000/v1"))));
    byte[] bytes = RoutingTableCodec.encode(table);

    RoutingTable back = RoutingTableCodec.decode(bytes);

    assertThat(back.configVersion()).isEqualTo(RoutingTableCodec.configVersionOf(table));
    assertThat(RoutingTableCodec.encode(back)).isEqualTo(bytes);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .startsWith("{\"configVersion\":\"sha256:")
        .doesNotContain("\n");
  }

  @Test
  void ignoresUnknownFieldsFromNewerWriters() {
    String json =
        "{\"schemaVersion\":1,\"namespace\":\"ns\",\"futureField\":{\"x\":1},\"routes\":[]}";
    assertThat(RoutingTableCodec.decode(json).namespace()).isEqualTo("ns");
  }

  /**
   * {@code embedder.maxInputTokens} is a field of its own: a table without it (an earlier
   * operator's) decodes to null, and the embedder's notation stays what an earlier gateway reads.
   */
  @Test
  void anEmbedderInputLimitTravelsBesideTheEmbeddersNotation() {
    String embedder = EmbedderRef.provider("tei", "BAAI/bge-m3").notation();
    RoutingTable.Policy stated =
        new RoutingTable.Policy(
            "semantic",
            "priority",
            null,
            null,
            null,
            true,
            null,
            null,
            new RoutingTable.Cache(
                null, null, null, true, 0.9, null, null, embedder, null, null, null, 8192),
            null,
            "none");
    RoutingTable table =
        new RoutingTable(
            RoutingTable.SCHEMA_VERSION,
            null,
            "default",
            Map.of(),
            Map.of("semantic", stated),
            List.of());

    String json = RoutingTableCodec.encodeToString(table);
    RoutingTable.Cache back = RoutingTableCodec.decode(json).policies().get("semantic").cache();

    assertThat(json)
        .contains("\"semanticEmbedder\":\"provider:tei/BAAI/bge-m3\"")
        .contains("\"semanticEmbedderMaxInputTokens\":8192");
    assertThat(back.semanticEmbedderMaxInputTokens()).isEqualTo(8192);
    assertThat(back.semanticEmbedder()).isEqualTo(embedder);
    RoutingTable.Cache older =
        RoutingTableCodec.decode(json.replace(",\"semanticEmbedderMaxInputTokens\":8192", ""))
            .policies()
            .get("semantic")
            .cache();
    assertThat(older.semanticEmbedderMaxInputTokens()).isNull();
    assertThat(older.semanticEmbedder()).isEqualTo(embedder);
  }

  /** A table with prices (fractions, windows) and a cache policy: numbers of every kind. */
  private static RoutingTable priced() {
    RoutingTable.Model model =
        new RoutingTable.Model(
            List.of("chat"),
            128_000L,
            new RoutingTable.Pricing(
                0.15,
                0.6,
                0.075,
                "USD",
                List.of(
                    new RoutingTable.PriceWindow(
                        "off-peak", null, "16:30", "00:30", "UTC", 0.0001, 1.0E-4, null))),
            null);
    RoutingTable.Provider p =
        new RoutingTable.Provider(
            "p",
            "openai",
            "https://api.example.com/v1",
            true,
            null,
            Map.of(),
            null,
            20,
            null,
            null,
            Map.of("m", model));
    return sample(Map.of("p", p, "openai-prod", provider("openai-prod", "https://a.example/v1")));
  }

  @Test
  void aDocumentsVersionIsTheVersionItsWriterComputed() throws Exception {
    for (RoutingTable t : List.of(sample(Map.of()), priced())) {
      assertThat(RoutingTableCodec.configVersionOfDocument(RoutingTableCodec.encode(t)))
          .isEqualTo(RoutingTableCodec.configVersionOf(t));
    }
    // A newer writer's field this reader drops: the version is still the one it published, not
    // that of the decoded (and so re-encoded without it) table.
    String written =
        RoutingTableCodec.encodeToString(priced())
            .replaceFirst("\"configVersion\":\"[^\"]+\",", "")
            .replace(
                "\"baseUrl\":\"https://api.example.com/v1\"",
                "\"baseUrl\":\"https://api.example.com/v1\",\"futureField\":{\"x\":1.5}");
    String published =
        "sha256:"
            + java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(written.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    String document = written.replaceFirst("^\\{", "{\"configVersion\":\"" + published + "\",");
    byte[] bytes = document.getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThat(document).contains("futureField");
    assertThat(RoutingTableCodec.configVersionOfDocument(bytes)).isEqualTo(published);
    assertThat(RoutingTableCodec.configVersionOf(RoutingTableCodec.decode(bytes)))
        .isNotEqualTo(published);
  }

  @Test
  void rejectsDocumentsThatAreNotTables() {
    assertThatThrownBy(() -> RoutingTableCodec.decode("not json"))
        .isInstanceOf(RoutingTableCodec.InvalidRoutingTableException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> RoutingTableCodec.decode("{\"routes\": 5}"))
        .isInstanceOf(RoutingTableCodec.InvalidRoutingTableException.class);
  }
}
