package dev.switchboard.gateway.cache;

import static dev.switchboard.gateway.TestTables.cachePolicy;
import static dev.switchboard.gateway.TestTables.policyRoute;
import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.GatewayHarness;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.mock.record.RequestRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The semantic cache embedding through a provider's embeddings API ({@code embedder.providerRef}),
 * end to end with the official OpenAI SDK against the mock provider, whose embeddings are a hashed
 * bag of words (similar texts, similar vectors; 256 dimensions, not the builtin's 384): a rephrased
 * question is answered from cache after one embeddings call and no second chat call; an embedder
 * that fails or is slower than the deadline makes a miss, never an error.
 */
class ProviderEmbedderIT {

  private static final String EMBEDDING_MODEL = "text-embedding-3-small";

  /** A Gemini embedding model: the Gemini API embeds only a text's first 2,048 tokens. */
  private static final String GEMINI_EMBEDDING_MODEL = "text-embedding-004";

  /**
   * A self-hosted long-context embedding model behind an {@code openai-compatible} server (bge-m3
   * reads 8,192 tokens), whose policy states a limit: {@code embedder.maxInputTokens}.
   */
  private static final String LONG_CONTEXT_EMBEDDING_MODEL = "bge-m3";

  private static final int LONG_CONTEXT_MAX_INPUT_TOKENS = 1024;

  @TempDir static Path dir;

  static MockProvider mock;
  static GatewayHarness gateway;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    gateway =
        GatewayHarness.withMock(
            dir,
            new MockProviderOptions()
                .keys("sk-provider")
                .embeddingDimensions(256)
                .models(
                    "chat-model",
                    "failing-chat-model",
                    "slow-chat-model",
                    EMBEDDING_MODEL,
                    "failing-embedder",
                    "slow-embedder",
                    "refusing-chat-model",
                    "refusing-embedder",
                    "long-chat-model",
                    LONG_CONTEXT_EMBEDDING_MODEL,
                    "gemini-chat-model",
                    GEMINI_EMBEDDING_MODEL),
            ProviderEmbedderIT::table,
            Map.of("mock", "sk-provider", "gem", "sk-provider"));
    mock = gateway.mock();
    // What is served is under test here, not how fast (the deadline has its own test).
    gateway.server().responseCache().providerSemanticDeadlineMs(60_000);
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.baseUrl())
            .apiKey("sk-tenant")
            .maxRetries(0)
            .build();
  }

  /**
   * The embedders' faults set on {@code mock}; a route per embedder, each with its semantic cache.
   */
  static RoutingTable table(MockProvider mock) {
    mock.faults().set("failing-embedder", "status:500");
    mock.faults().set("slow-embedder", "delay:3000");
    Map<String, RoutingTable.Model> models = new TreeMap<>();
    // $0.02 per million input tokens, as OpenAI lists text-embedding-3-small.
    models.put(
        EMBEDDING_MODEL,
        new RoutingTable.Model(
            List.of("embeddings"), 8191L, new RoutingTable.Pricing(0.02, 0.0, null, "USD"), null));
    for (String m :
        List.of(
            "chat-model",
            "failing-chat-model",
            "slow-chat-model",
            "failing-embedder",
            "slow-embedder",
            "refusing-chat-model",
            "refusing-embedder",
            "long-chat-model",
            LONG_CONTEXT_EMBEDDING_MODEL,
            "gemini-chat-model")) {
      models.put(m, new RoutingTable.Model(List.of(), null, null, null));
    }
    Map<String, RoutingTable.Policy> policies = new TreeMap<>();
    policies.put("semantic", policy("semantic", EMBEDDING_MODEL));
    policies.put("failing", policy("failing", "failing-embedder"));
    policies.put("slow", policy("slow", "slow-embedder"));
    policies.put("refusing", policy("refusing", "refusing-embedder"));
    policies.put(
        "long",
        policy("mock", "long", LONG_CONTEXT_EMBEDDING_MODEL, LONG_CONTEXT_MAX_INPUT_TOKENS));
    policies.put("gemini", policy("gem", "gemini", GEMINI_EMBEDDING_MODEL));
    RoutingTable table =
        RoutingTableCodec.versioned(
            new RoutingTable(
                RoutingTable.SCHEMA_VERSION,
                null,
                "test",
                Map.of(
                    "mock",
                    provider("mock", "openai-compatible", mock.baseUrl(), true, models, null),
                    "gem",
                    provider(
                        "gem",
                        "gemini",
                        mock.origin() + "/v1beta",
                        true,
                        Map.of(
                            GEMINI_EMBEDDING_MODEL,
                            new RoutingTable.Model(List.of("embeddings"), 2048L, null, null)),
                        null)),
                policies,
                List.of(
                    policyRoute("semantic", "semantic", target("mock", "chat-model", 0)),
                    policyRoute("failing", "failing", target("mock", "failing-chat-model", 0)),
                    policyRoute("slow", "slow", target("mock", "slow-chat-model", 0)),
                    policyRoute("refusing", "refusing", target("mock", "refusing-chat-model", 0)),
                    policyRoute("long", "long", target("mock", "long-chat-model", 0)),
                    policyRoute("gemini", "gemini", target("mock", "gemini-chat-model", 0)))));
    return table;
  }

  /** Only the semantic cache, embedding with the mock's {@code model}. */
  static RoutingTable.Policy policy(String name, String embeddingModel) {
    return policy("mock", name, embeddingModel);
  }

  /** Only the semantic cache, embedding with {@code provider}'s {@code model}. */
  static RoutingTable.Policy policy(String provider, String name, String embeddingModel) {
    return policy(provider, name, embeddingModel, null);
  }

  /**
   * Only the semantic cache, embedding with {@code provider}'s {@code model}, whose input limit is
   * {@code maxInputTokens} (null: not stated).
   */
  static RoutingTable.Policy policy(
      String provider, String name, String embeddingModel, Integer maxInputTokens) {
    RoutingTable.Cache cache =
        new RoutingTable.Cache(
            false,
            null,
            null,
            true,
            0.8,
            3_600_000L,
            1000,
            EmbedderRef.provider(provider, embeddingModel).notation(),
            0.3,
            null,
            null,
            maxInputTokens);
    return cachePolicy(name, cache);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  static ChatCompletionCreateParams ask(String model, String question) {
    return ChatCompletionCreateParams.builder()
        .model(model)
        .temperature(0.0)
        .addSystemMessage("You are terse.")
        .addUserMessage(question)
        .build();
  }

  static HttpResponseFor<ChatCompletion> send(ChatCompletionCreateParams params) {
    return client.chat().completions().withRawResponse().create(params);
  }

  @Test
  void aRephrasedQuestionIsServedFromCacheThroughTheProvidersEmbeddings() throws Exception {
    long chats = mock.attempts("chat-model");
    long embeddings = mock.attempts(EMBEDDING_MODEL);

    HttpResponseFor<ChatCompletion> first =
        send(ask("semantic", "What is the boiling point of water at sea level?"));
    HttpResponseFor<ChatCompletion> second =
        send(ask("semantic", "So what is the boiling point of water at sea level?"));

    assertThat(first.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(second.headers().values("x-switchboard-cache")).containsExactly("semantic");
    assertThat(Double.parseDouble(second.headers().values("x-switchboard-cache-similarity").get(0)))
        .isBetween(0.8, 1.0);
    assertThat(second.parse().choices().get(0).message().content().orElseThrow())
        .isEqualTo(first.parse().choices().get(0).message().content().orElseThrow());
    // The chat model answered once; the embeddings API was asked once per question.
    assertThat(mock.attempts("chat-model") - chats).isEqualTo(1);
    assertThat(mock.attempts(EMBEDDING_MODEL) - embeddings).isEqualTo(2);
    RequestRecord embedCall =
        mock.requests().stream()
            .filter(r -> EMBEDDING_MODEL.equals(r.model()))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(embedCall.path()).endsWith("/embeddings");
    assertThat(embedCall.keyFingerprint()).isEqualTo(RequestRecord.fingerprint("sk-provider"));
    assertThat(embedCall.body().getString("input"))
        .isEqualTo("So what is the boiling point of water at sea level?");
    // The embeddings' cost (mock usage: one token per word, at $0.02 per million) is counted.
    String metrics = gateway.admin("/metrics").body();
    assertThat(metrics)
        .contains(
            "switchboard_cache_embeddings_total{embedder=\"provider:mock/text-embedding-3-small\","
                + "outcome=\"ok\",route=\"semantic\"}")
        .contains(
            "switchboard_cache_embedding_cost_usd_total{embedder=\"provider:mock/"
                + "text-embedding-3-small\",route=\"semantic\"}");
  }

  /**
   * Two long questions with one opening (a report longer than Gemini's 2,048 embedding tokens) and
   * different endings: Gemini embeds only the opening, so both get one vector (similarity 1.0) and
   * the second asker got the first one's answer. A text too long for the embedder is exact-only: a
   * miss, no embeddings call, counted as {@code too_long}.
   */
  @Test
  void twoLongQuestionsSharingTheirOpeningNeverShareAnAnswer() throws Exception {
    String report =
        "Summarise this report for me. "
            + "the committee met again and discussed the budget for the coming season. "
                .repeat(200);
    long chats = mock.attempts("gemini-chat-model");
    long embeddings = mock.attempts(GEMINI_EMBEDDING_MODEL);

    HttpResponseFor<ChatCompletion> first =
        send(ask("gemini", report + "What did they decide about the roads?"));
    HttpResponseFor<ChatCompletion> second =
        send(ask("gemini", report + "What did they decide about the schools?"));

    assertThat(first.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(second.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(mock.attempts("gemini-chat-model") - chats).isEqualTo(2);
    assertThat(mock.attempts(GEMINI_EMBEDDING_MODEL) - embeddings).isZero();
    assertThat(gateway.admin("/metrics").body())
        .contains(
            "switchboard_cache_embeddings_total{embedder=\"provider:gem/text-embedding-004\","
                + "outcome=\"too_long\",route=\"gemini\"}");
  }

  /**
   * An {@code openai-compatible} server's model is unknown to the gateway, which then sends at most
   * 128 estimated tokens; a policy that states the model's limit ({@code maxInputTokens: 1024})
   * gets half of it (the server may truncate; the estimate may count half the tokens): a question
   * of about 460 estimated tokens is looked up and its rephrasing served from cache.
   */
  @Test
  void aStatedInputLimitLetsLongQuestionsBeComparedByMeaning() throws Exception {
    String notes =
        "Here are my notes on the migration. "
            + "the service moved to the new cluster and the queue kept its old settings. "
                .repeat(24);
    assertThat(notes.length()).isBetween(4 * 128, 4 * LONG_CONTEXT_MAX_INPUT_TOKENS / 2 - 100);
    long chats = mock.attempts("long-chat-model");
    long embeddings = mock.attempts(LONG_CONTEXT_EMBEDDING_MODEL);

    HttpResponseFor<ChatCompletion> first =
        send(ask("long", notes + "What should we check first after the move?"));
    HttpResponseFor<ChatCompletion> second =
        send(ask("long", notes + "So what should we check first after the move?"));

    assertThat(first.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(second.headers().values("x-switchboard-cache")).containsExactly("semantic");
    assertThat(mock.attempts("long-chat-model") - chats).isEqualTo(1);
    assertThat(mock.attempts(LONG_CONTEXT_EMBEDDING_MODEL) - embeddings).isEqualTo(2);
  }

  /** Never more than the bound a stated limit gives: half of it, estimated. */
  @Test
  void aTextOverHalfTheStatedLimitIsNotSent() throws Exception {
    String notes =
        "Here are my notes on the rollout. "
            + "the canary took ten percent of the traffic and the errors stayed flat. ".repeat(32);
    assertThat(notes.length()).isGreaterThan(4 * LONG_CONTEXT_MAX_INPUT_TOKENS / 2);
    long embeddings = mock.attempts(LONG_CONTEXT_EMBEDDING_MODEL);

    HttpResponseFor<ChatCompletion> response =
        send(ask("long", notes + "Is it safe to go to fifty percent?"));

    assertThat(response.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(mock.attempts(LONG_CONTEXT_EMBEDDING_MODEL) - embeddings).isZero();
    assertThat(gateway.admin("/metrics").body())
        .contains(
            "switchboard_cache_embeddings_total{embedder=\"provider:mock/bge-m3\","
                + "outcome=\"too_long\",route=\"long\"}");
  }

  @Test
  void shortQuestionsStillHitThroughAnEmbedderThatTruncates() throws Exception {
    long chats = mock.attempts("gemini-chat-model");

    HttpResponseFor<ChatCompletion> first =
        send(ask("gemini", "What is the tallest mountain in the Alps?"));
    HttpResponseFor<ChatCompletion> second =
        send(ask("gemini", "So what is the tallest mountain in the Alps?"));

    assertThat(first.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(second.headers().values("x-switchboard-cache")).containsExactly("semantic");
    assertThat(mock.attempts("gemini-chat-model") - chats).isEqualTo(1);
  }

  @Test
  void anUnrelatedQuestionIsAMiss() {
    long chats = mock.attempts("chat-model");
    send(ask("semantic", "How many moons does Jupiter have?"));
    HttpResponseFor<ChatCompletion> other = send(ask("semantic", "Who painted the Mona Lisa?"));

    assertThat(other.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(mock.attempts("chat-model") - chats).isEqualTo(2);
  }

  @Test
  void aFailingEmbedderMakesAMissNeverAnError() throws Exception {
    long chats = mock.attempts("failing-chat-model");
    long embeds = mock.attempts("failing-embedder");
    for (int i = 0; i < 2; i++) {
      HttpResponseFor<ChatCompletion> response =
          send(ask("failing", "What is the capital of Australia?"));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().values("x-switchboard-cache")).containsExactly("miss");
      assertThat(response.parse().choices().get(0).message().content().orElseThrow())
          .contains("Australia");
    }
    assertThat(mock.attempts("failing-chat-model") - chats).isEqualTo(2);
    assertThat(mock.attempts("failing-embedder") - embeds).isEqualTo(2);
    assertThat(gateway.admin("/metrics").body())
        .contains(
            "switchboard_cache_embeddings_total{embedder=\"provider:mock/failing-embedder\","
                + "outcome=\"failed\",route=\"failing\"}");
  }

  /**
   * An embeddings server refusing inputs with a 400 (a text longer than the model reads, which the
   * gateway's estimate took for shorter) is about those requests, not the server's health: each is
   * a miss, and the embedder's breaker does not open, so the next short questions are still looked
   * up. Counted as failures, 20 refusals opened it (50 % over at least 20 calls) for 30 s.
   */
  @Test
  void refusedInputsNeverOpenTheEmbeddersBreaker() throws Exception {
    int refusals = 25;
    mock.faults().add("refusing-embedder", "status:400", refusals);
    long embeds = mock.attempts("refusing-embedder");
    for (int i = 0; i < refusals; i++) {
      HttpResponseFor<ChatCompletion> response =
          send(ask("refusing", "Summarise chapter " + i + " of the long report, please."));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().values("x-switchboard-cache")).containsExactly("miss");
    }
    assertThat(mock.attempts("refusing-embedder") - embeds).isEqualTo(refusals);

    HttpResponseFor<ChatCompletion> first =
        send(ask("refusing", "What is the capital city of Canada?"));
    HttpResponseFor<ChatCompletion> second =
        send(ask("refusing", "So what is the capital city of Canada?"));

    assertThat(first.headers().values("x-switchboard-cache")).containsExactly("miss");
    assertThat(second.headers().values("x-switchboard-cache")).containsExactly("semantic");
    assertThat(mock.attempts("refusing-embedder") - embeds).isEqualTo(refusals + 2);
  }

  @Test
  void anEmbedderSlowerThanTheDeadlineMakesAMiss() {
    ResponseCache cache = gateway.server().responseCache();
    cache.providerSemanticDeadlineMs(200);
    try {
      long chats = mock.attempts("slow-chat-model");
      HttpResponseFor<ChatCompletion> response =
          send(ask("slow", "Why is the sky blue during the day?"));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().values("x-switchboard-cache")).containsExactly("miss");
      assertThat(mock.attempts("slow-chat-model") - chats).isEqualTo(1);
    } finally {
      cache.providerSemanticDeadlineMs(60_000);
    }
  }
}
