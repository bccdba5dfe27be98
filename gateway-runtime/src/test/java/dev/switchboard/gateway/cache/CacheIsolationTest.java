package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.gateway.upstream.Operation;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The keys keep scopes apart: 100,000 requests drawn from the same prompts under two tenant
 * strings, over two routes, two target model versions and two system prompts, keyed by {@link
 * CacheRequest} and looked up in the exact store and the semantic index directly. The embedding
 * here maps equal texts to equal vectors (similarity 1.0), so any entry the index could return
 * across a partition would be returned: none is. The scopes are written here, not made by {@code
 * CacheStage}: that a consumer's (or an API key's) requests get a tenant of their own is {@code
 * ConsumerCacheIsolationIT}'s and {@code ResponseCacheIT}'s to show.
 */
class CacheIsolationTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Who asked and where; the answer records it, so a served answer shows where it came from. */
  private record Origin(String tenant, String route, String target, String system) {
    String scope() {
      return tenant + "\n" + route + "\nCHAT_COMPLETIONS\njson\n" + target + "\nstable";
    }
  }

  @Test
  void hundredThousandRequestsInSixteenScopesNeverGetEachOthersAnswers() {
    String[] tenants = {"tenant-a", "tenant-b"};
    String[] routes = {"chat", "support"};
    String[] targets = {"openai/gpt-4o-2024-08-06", "openai/gpt-4o-2024-11-20"};
    String[] systems = {"You are helpful.", "You are a pirate."};
    String[] prompts = new String[50];
    for (int i = 0; i < prompts.length; i++) {
      prompts[i] = "Question number " + i + " about the same shared topic";
    }
    Random random = new Random(18);
    SemanticIndex index = new SemanticIndex(100_000, 3_600_000);
    LocalExactStore exact =
        new LocalExactStore(
            100_000, 3_600_000, Ticker.disabledTicker(), new AtomicLong(), 1L << 40);
    long served = 0;
    long crossed = 0;
    for (int n = 0; n < 100_000; n++) {
      Origin origin =
          new Origin(
              tenants[random.nextInt(2)],
              routes[random.nextInt(2)],
              targets[random.nextInt(2)],
              systems[random.nextInt(2)]);
      String prompt = prompts[random.nextInt(prompts.length)];
      CacheRequest request = CacheRequest.of(chat(origin.system(), prompt), origin.scope(), false);
      float[] vector = vectorOf(prompt);
      CachedAnswer hit = exact.get(request.exactKey());
      if (hit == null) {
        List<SemanticIndex.Match> matches = index.search(request.partition(), vector, 0.999, 0);
        hit = matches.isEmpty() ? null : matches.get(0).answer();
      }
      if (hit != null) {
        served++;
        if (!hit.targetId().equals(origin.toString()) || !hit.text().equals(prompt)) {
          crossed++;
        }
        continue;
      }
      CachedAnswer answer =
          new CachedAnswer(
              new byte[0],
              null,
              null,
              Operation.CHAT_COMPLETIONS,
              null,
              origin.toString(),
              null,
              null,
              null,
              0,
              0,
              request.partition(),
              prompt);
      exact.put(request.exactKey(), answer);
      index.add(request.partition(), vector, answer, 0);
    }
    assertThat(crossed).isZero();
    // Every (tenant, route, version, system prompt, prompt) was stored once and then served.
    assertThat(served).isEqualTo(100_000 - 2 * 2 * 2 * 2 * prompts.length);
    assertThat(index.partitions()).isEqualTo(16);
  }

  @Test
  void theEmbedderIsPartOfTheSemanticPartitionButNotOfTheExactKey() {
    ObjectNode chat = chat("Be brief.", "What is the capital of France?");
    CacheRequest builtin = CacheRequest.of(chat, "scope", false, "builtin:all-minilm-l6-v2");
    CacheRequest small =
        CacheRequest.of(chat, "scope", false, "provider:openai/text-embedding-3-small");
    CacheRequest large =
        CacheRequest.of(chat, "scope", false, "provider:openai/text-embedding-3-large");

    assertThat(List.of(builtin.partition(), small.partition(), large.partition()))
        .doesNotHaveDuplicates();
    assertThat(small.exactKey()).isEqualTo(builtin.exactKey()).isEqualTo(large.exactKey());
    assertThat(CacheRequest.of(chat, "scope", false).partition()).isEqualTo(builtin.partition());
  }

  /**
   * The embedded text is only the messages' text: whatever else an embedded message says (a user's
   * {@code name}, an assistant turn's {@code tool_calls}, a tool result's {@code tool_call_id})
   * changes the answer without changing the text, so it must partition. Before, "What is my name?"
   * from {@code name: alice} was answered to {@code name: bob} (identical text, similarity 1.0),
   * and in {@code conversation} mode a conversation in which Claude said "Let me check." and called
   * {@code get_weather} for Paris answered the same conversation about Oslo.
   */
  @Test
  void whatAnEmbeddedMessageSaysBesideItsTextPartitions() throws Exception {
    String alice =
        "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"name\":"
            + "\"alice\",\"content\":\"What is my name?\"}]}";
    assertNeverServed(alice, alice.replace("alice", "bob"), false);
    assertNeverServed(alice, alice.replace(",\"name\":\"alice\"", ""), false);
    String paris =
        "{\"model\":\"m\",\"temperature\":0,\"messages\":["
            + "{\"role\":\"user\",\"content\":\"Do I need a coat today?\"},"
            + "{\"role\":\"assistant\",\"content\":\"Let me check.\",\"tool_calls\":[{\"id\":"
            + "\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"12 C, rain\"},"
            + "{\"role\":\"user\",\"content\":\"So what should I wear?\"}]}";
    assertNeverServed(paris, paris.replace("Paris", "Oslo"), true);
    // Plain text messages keep their partitions (and hits): only what else they say is added.
    String plain =
        "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"},"
            + "{\"role\":\"user\",\"content\":\"What can you do?\"}]}";
    for (boolean conversation : new boolean[] {false, true}) {
      CacheRequest stored = CacheRequest.of(chat(plain), "scope", conversation);
      CacheRequest asked =
          CacheRequest.of(
              chat(plain.replace("\"temperature\":0", "\"temperature\":0.1")),
              "scope",
              conversation);
      assertThat(asked.partition()).isEqualTo(stored.partition());
    }
  }

  /**
   * Stores {@code storedJson}'s answer in a semantic index and asks with {@code askedJson}, whose
   * embedded text is the same (similarity 1.0): the answer must not be found.
   */
  private static void assertNeverServed(String storedJson, String askedJson, boolean conversation)
      throws Exception {
    CacheRequest stored = CacheRequest.of(chat(storedJson), "scope", conversation);
    CacheRequest asked = CacheRequest.of(chat(askedJson), "scope", conversation);
    assertThat(asked.semanticText()).isNotNull().isEqualTo(stored.semanticText());
    SemanticIndex index = new SemanticIndex(10, 3_600_000);
    CachedAnswer answer =
        new CachedAnswer(
            new byte[0],
            null,
            null,
            Operation.CHAT_COMPLETIONS,
            null,
            "p/m",
            null,
            null,
            null,
            0,
            0,
            stored.partition(),
            stored.semanticText());
    index.add(stored.partition(), vectorOf(stored.semanticText()), answer, 0);
    assertThat(index.search(asked.partition(), vectorOf(asked.semanticText()), 0.95, 0))
        .as(askedJson)
        .isEmpty();
  }

  private static ObjectNode chat(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  private static ObjectNode chat(String system, String prompt) {
    ObjectNode chat = JSON.createObjectNode().put("model", "chat").put("temperature", 0);
    chat.putArray("messages")
        .add(JSON.createObjectNode().put("role", "system").put("content", system))
        .add(JSON.createObjectNode().put("role", "user").put("content", prompt));
    return chat;
  }

  /** A unit vector determined by the text: equal texts, similarity 1. */
  private static float[] vectorOf(String text) {
    Random r = new Random(text.hashCode());
    float[] v = new float[16];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return VectorMath.normalise(v);
  }
}
