package dev.switchboard.gateway.cache;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.priced;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vectors made by one embedder are never compared with vectors made by another. A provider
 * embedder's vectors depend on the server that makes them, not only on {@code provider:NAME/MODEL}:
 * its ProviderEndpoint pointed at another server (which may host another model under the same
 * name), another kind (another adapter and wire format) or another API version embeds into another
 * vector space, where cosine similarities with the old vectors mean nothing and a "hit" serves
 * another question's answer. The two mock servers here embed alike (a hashed bag of words), so a
 * search that compared across the change would find the old vectors: a semantic hit. A change that
 * does not change the vectors (the key, headers, timeouts, prices) keeps the index; a change back
 * finds the old entries again. Another model, or the builtin embedder, is another embedder already.
 */
class EmbedderIdentityIT {

  private static final String SMALL = "text-embedding-3-small";
  private static final String LARGE = "text-embedding-3-large";

  @TempDir static Path dir;

  static GatewayHarness gateway;
  static MockProvider first;
  static MockProvider second;

  @BeforeAll
  static void start() throws Exception {
    MockProviderOptions options =
        new MockProviderOptions()
            .keys("sk-provider", "sk-rotated")
            .embeddingDimensions(256)
            .models("answer-model", SMALL, LARGE);
    gateway =
        GatewayHarness.withMocks(
            dir,
            List.of(options, options),
            (vertx, mocks) -> {
              first = mocks.get(0);
              second = mocks.get(1);
              return table(
                  embedderAt("openai-compatible", first.baseUrl(), null), embedding(SMALL));
            },
            Map.of("chat", "sk-provider", "emb", "sk-provider"));
    // What is served is under test here, not how fast (a loaded machine may take longer).
    gateway.server().responseCache().providerSemanticDeadlineMs(60_000);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void original() throws Exception {
    gateway.writeKey("emb", "sk-provider");
    load(table(embedderAt("openai-compatible", first.baseUrl(), null), embedding(SMALL)));
  }

  static String embedding(String model) {
    return EmbedderRef.provider("emb", model).notation();
  }

  /** The embedder's endpoint {@code emb} of {@code kind} at {@code baseUrl}, API {@code api}. */
  static RoutingTable.Provider embedderAt(String kind, String baseUrl, String api) {
    return embedderAt(kind, baseUrl, api, Map.of(), null, Map.of());
  }

  static RoutingTable.Provider embedderAt(
      String kind,
      String baseUrl,
      String api,
      Map<String, String> headers,
      RoutingTable.Timeouts timeouts,
      Map<String, RoutingTable.Model> models) {
    return new RoutingTable.Provider(
        "emb", kind, baseUrl, true, api, headers, timeouts, null, null, null, models);
  }

  /**
   * The route {@code similar}: a semantic cache only, embedding with {@code embedder}; its chat
   * target stays on the first server (the answers' identity does not change here).
   */
  static RoutingTable table(RoutingTable.Provider embedder, String notation) {
    RoutingTable.Cache semantic =
        new RoutingTable.Cache(
            false, null, null, true, 0.8, 3_600_000L, 1000, notation, 0.3, null, null);
    return RoutingTableCodec.versioned(
        new RoutingTable(
            RoutingTable.SCHEMA_VERSION,
            null,
            "test",
            Map.of("chat", provider("chat", first.baseUrl(), true), "emb", embedder),
            Map.of("semantic", cachePolicy("semantic", semantic)),
            List.of(policyRoute("similar", "semantic", target("chat", "answer-model", 0)))));
  }

  static void load(RoutingTable table) throws Exception {
    gateway.writeTable(table);
    gateway.awaitConfigVersion(RoutingTableCodec.configVersionOf(table));
  }

  /**
   * Asks {@code question} under the system prompt {@code topic} (one semantic partition per test:
   * the tests' questions never meet); the cache outcome.
   */
  static String ask(String topic, String question) throws Exception {
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            "{\"model\":\"similar\",\"temperature\":0,\"messages\":["
                + "{\"role\":\"system\",\"content\":\""
                + topic
                + "\"},{\"role\":\"user\",\"content\":\""
                + question
                + "\"}]}",
            "authorization",
            "Bearer sk-tenant");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("x-switchboard-cache").orElse("none");
  }

  static long answers() {
    return first.attempts("answer-model") + second.attempts("answer-model");
  }

  @Test
  void anotherServerBehindTheEmbedderIsAnotherVectorSpace() throws Exception {
    String topic = "servers";
    assertThat(ask(topic, "What is the boiling point of water at sea level?")).isEqualTo("miss");
    assertThat(ask(topic, "So what is the boiling point of water at sea level?"))
        .isEqualTo("semantic");

    load(table(embedderAt("openai-compatible", second.baseUrl(), null), embedding(SMALL)));
    long embedded = second.attempts(SMALL);
    long answered = answers();
    // Embedded by the second server: never compared with the first server's vectors.
    assertThat(ask(topic, "Then what is the boiling point of water at sea level?"))
        .isEqualTo("miss");
    assertThat(second.attempts(SMALL) - embedded).isEqualTo(1);
    assertThat(answers() - answered).isEqualTo(1);
    // Its own vectors are indexed and found.
    assertThat(ask(topic, "And what is the boiling point of water at sea level?"))
        .isEqualTo("semantic");

    // Back on the first server: its entries were never dropped, and are found again.
    load(table(embedderAt("openai-compatible", first.baseUrl(), null), embedding(SMALL)));
    long back = answers();
    assertThat(ask(topic, "Now what is the boiling point of water at sea level?"))
        .isEqualTo("semantic");
    assertThat(answers()).isEqualTo(back);
  }

  @Test
  void anotherKindOrApiVersionOfTheEmbedderIsAnotherVectorSpace() throws Exception {
    String topic = "adapters";
    assertThat(ask(topic, "How many moons does Jupiter have today?")).isEqualTo("miss");

    load(table(embedderAt("openai", first.baseUrl(), null), embedding(SMALL)));
    assertThat(ask(topic, "So how many moons does Jupiter have today?")).isEqualTo("miss");
    assertThat(ask(topic, "Then how many moons does Jupiter have today?")).isEqualTo("semantic");

    load(table(embedderAt("openai", first.baseUrl(), "2025-01-01"), embedding(SMALL)));
    assertThat(ask(topic, "Well how many moons does Jupiter have today?")).isEqualTo("miss");
  }

  @Test
  void aChangeThatKeepsTheVectorsKeepsTheIndex() throws Exception {
    String topic = "rotation";
    assertThat(ask(topic, "Which river flows through the city of Vienna?")).isEqualTo("miss");
    long answered = answers();

    gateway.writeKey("emb", "sk-rotated");
    load(
        table(
            embedderAt(
                "openai-compatible",
                first.baseUrl(),
                null,
                Map.of("x-trace-tenant", "blue"),
                new RoutingTable.Timeouts(2_000L, 20_000L, 60_000L, 10_000L),
                Map.of(SMALL, priced(0.02, 0.0))),
            embedding(SMALL)));
    long embedded = first.attempts(SMALL);
    assertThat(ask(topic, "So which river flows through the city of Vienna?"))
        .isEqualTo("semantic");
    assertThat(answers()).isEqualTo(answered);
    assertThat(first.attempts(SMALL) - embedded).isEqualTo(1);
  }

  /** The premise's other half: these were never compared, before or after the fix. */
  @Test
  void anotherModelOrTheBuiltinEmbedderStartsAFreshIndex() throws Exception {
    String topic = "models";
    assertThat(ask(topic, "What is the capital city of Australia?")).isEqualTo("miss");

    // The mock embeds every model alike: only the index's identity keeps them apart.
    load(table(embedderAt("openai-compatible", first.baseUrl(), null), embedding(LARGE)));
    long embedded = first.attempts(LARGE);
    assertThat(ask(topic, "So what is the capital city of Australia?")).isEqualTo("miss");
    assertThat(first.attempts(LARGE) - embedded).isEqualTo(1);
    assertThat(ask(topic, "Then what is the capital city of Australia?")).isEqualTo("semantic");

    load(
        table(
            embedderAt("openai-compatible", first.baseUrl(), null), CacheSettings.BUILTIN_MINILM));
    long large = first.attempts(LARGE);
    assertThat(ask(topic, "Well what is the capital city of Australia?")).isEqualTo("miss");
    assertThat(first.attempts(LARGE)).isEqualTo(large);
  }
}
