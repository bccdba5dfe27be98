package dev.switchboard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.gateway.cache.CacheRequest;
import dev.switchboard.gateway.cache.CachedAnswer;
import dev.switchboard.gateway.cache.LexicalGuard;
import dev.switchboard.gateway.cache.MiniLmEmbedder;
import dev.switchboard.gateway.cache.SemanticIndex;
import dev.switchboard.gateway.upstream.Operation;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The response cache's own cost (issue 18), in process, at 50,000 entries in one partition (the
 * worst case: every entry is searched): exact-hit latency (canonical key + lookup), semantic-hit
 * latency with the all-MiniLM-L6-v2 embedding included (embed + exhaustive cosine search + lexical
 * guard), the miss-path overhead the cache adds before a request goes upstream, and heap per entry.
 * The HTTP path around it is the same as for any answer and is measured by the main suite.
 *
 * <p>Run: {@code java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.CacheBench}
 */
public final class CacheBench {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ENTRIES = 50_000;
  private static final String SCOPE =
      "tenant\nroute\nCHAT_COMPLETIONS\njson\nopenai/gpt-4o\nstable";

  private CacheBench() {}

  public static void main(String[] args) throws Exception {
    Random random = new Random(18);
    String answer =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
            + "x".repeat(600)
            + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":40,"
            + "\"completion_tokens\":150,\"total_tokens\":190}}";
    byte[] body = answer.getBytes();
    Runtime rt = Runtime.getRuntime();

    // Exact: 50,000 entries in a Caffeine store like the gateway's.
    com.github.benmanes.caffeine.cache.Cache<String, CachedAnswer> exact =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .maximumSize(ENTRIES)
            .ticker(Ticker.systemTicker())
            .build();
    String[] prompts = new String[ENTRIES];
    for (int i = 0; i < ENTRIES; i++) {
      prompts[i] = "Question " + i + ": how do I configure feature " + random.nextInt(1000);
    }
    long before = usedAfterGc(rt);
    for (int i = 0; i < ENTRIES; i++) {
      CacheRequest r = CacheRequest.of(chat(prompts[i]), SCOPE, false);
      exact.put(r.exactKey(), entry(body, r, null));
    }
    long exactBytes = usedAfterGc(rt) - before;

    long[] hit = new long[20_000];
    long[] miss = new long[20_000];
    for (int round = 0; round < 2; round++) { // the first round warms the JIT
      for (int i = 0; i < hit.length; i++) {
        long t0 = System.nanoTime();
        CacheRequest r = CacheRequest.of(chat(prompts[random.nextInt(ENTRIES)]), SCOPE, false);
        CachedAnswer a = exact.getIfPresent(r.exactKey());
        hit[i] = System.nanoTime() - t0;
        if (a == null) {
          throw new IllegalStateException("expected an exact hit");
        }
        t0 = System.nanoTime();
        r = CacheRequest.of(chat("A question nobody asked " + i), SCOPE, false);
        a = exact.getIfPresent(r.exactKey());
        miss[i] = System.nanoTime() - t0;
      }
    }

    // Semantic: 50,000 vectors of real embeddings in one partition.
    MiniLmEmbedder embedder = new MiniLmEmbedder();
    int distinct = 2_000; // embedding 50,000 texts would take minutes: vectors are reused, jittered
    float[][] base = new float[distinct][];
    for (int i = 0; i < distinct; i++) {
      base[i] = embedder.embed(prompts[i]);
    }
    SemanticIndex index = new SemanticIndex(ENTRIES, 3_600_000);
    CacheRequest any = CacheRequest.of(chat(prompts[0]), SCOPE, false);
    before = usedAfterGc(rt);
    for (int i = 0; i < ENTRIES; i++) {
      float[] v = base[i % distinct].clone();
      if (i >= distinct) {
        for (int d = 0; d < v.length; d++) {
          v[d] += (float) (random.nextGaussian() * 0.05);
        }
        normalise(v);
      }
      index.add(any.partition(), v, entry(body, any, prompts[i % distinct]), 0);
    }
    long semanticBytes = usedAfterGc(rt) - before;

    long[] semHit = new long[400];
    long[] semMiss = new long[400];
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < semHit.length; i++) {
        String prompt = prompts[random.nextInt(distinct)];
        long t0 = System.nanoTime();
        float[] q = embedder.embed(prompt);
        LexicalGuard.Profile p = LexicalGuard.profile(prompt);
        List<SemanticIndex.Match> m = index.search(any.partition(), q, 0.95, 1);
        boolean served = m.stream().anyMatch(x -> LexicalGuard.compatible(p, x.profile()));
        semHit[i] = System.nanoTime() - t0;
        if (!served) {
          throw new IllegalStateException("expected a semantic hit");
        }
        t0 = System.nanoTime();
        q = embedder.embed("Something entirely unrelated number " + i);
        index.search(any.partition(), q, 0.95, 1);
        semMiss[i] = System.nanoTime() - t0;
      }
    }
    long[] search = new long[400];
    long[] embed = new long[400];
    float[] q = embedder.embed(prompts[1]);
    for (int i = 0; i < search.length; i++) {
      long t0 = System.nanoTime();
      index.search(any.partition(), q, 0.95, 1);
      search[i] = System.nanoTime() - t0;
      t0 = System.nanoTime();
      embedder.embed(prompts[random.nextInt(distinct)]);
      embed[i] = System.nanoTime() - t0;
    }

    System.out.printf(
        Locale.ROOT,
        "entries: %,d in one partition; cores: %d%n"
            + "exact hit (key + lookup):             p50 %.3f ms  p99 %.3f ms%n"
            + "exact miss overhead:                  p50 %.3f ms  p99 %.3f ms%n"
            + "semantic hit (embed + search + guard): p50 %.2f ms  p99 %.2f ms%n"
            + "semantic miss overhead:               p50 %.2f ms  p99 %.2f ms%n"
            + "search alone (50,000 x 384 floats):   p50 %.2f ms  p99 %.2f ms%n"
            + "embedding alone:                      p50 %.2f ms  p99 %.2f ms%n"
            + "heap per exact entry (~0.8 KB answer): %,d bytes%n"
            + "heap per semantic entry (same answer + vector): %,d bytes%n",
        ENTRIES,
        rt.availableProcessors(),
        ms(hit, 50),
        ms(hit, 99),
        ms(miss, 50),
        ms(miss, 99),
        ms(semHit, 50),
        ms(semHit, 99),
        ms(semMiss, 50),
        ms(semMiss, 99),
        ms(search, 50),
        ms(search, 99),
        ms(embed, 50),
        ms(embed, 99),
        exactBytes / ENTRIES,
        semanticBytes / ENTRIES);
    System.exit(0);
  }

  private static CachedAnswer entry(byte[] body, CacheRequest r, String text) {
    return new CachedAnswer(
        body.clone(),
        null,
        null,
        Operation.CHAT_COMPLETIONS,
        null,
        "openai/gpt-4o",
        null,
        null,
        0.001,
        900,
        0,
        r.partition(),
        text);
  }

  private static ObjectNode chat(String prompt) {
    ObjectNode chat = JSON.createObjectNode().put("model", "chat").put("temperature", 0);
    chat.putArray("messages")
        .add(JSON.createObjectNode().put("role", "system").put("content", "You are helpful."))
        .add(JSON.createObjectNode().put("role", "user").put("content", prompt));
    return chat;
  }

  private static void normalise(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    float k = (float) (1 / Math.sqrt(s));
    for (int i = 0; i < v.length; i++) {
      v[i] *= k;
    }
  }

  private static double ms(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
  }

  private static long usedAfterGc(Runtime rt) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
