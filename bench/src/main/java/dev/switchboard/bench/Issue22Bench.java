package dev.switchboard.bench;

import dev.switchboard.gateway.language.LanguageDetector;
import dev.switchboard.gateway.resilience.Bulkhead;
import dev.switchboard.gateway.resilience.GlobalSemaphore;
import dev.switchboard.gateway.resilience.SlotPermit;
import dev.switchboard.gateway.state.RedisLeaseStore;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.time.VertxClock;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * The per-request costs issue #22 adds, in process: (1) language detection of a last user message
 * (the prompts below, one per language family the rules tell apart); (2) a global concurrency
 * permit — acquire (one Lua script on a real redis-server on loopback) plus release — against the
 * per-replica bulkhead's. Run: {@code java -cp bench.jar dev.switchboard.bench.Issue22Bench}.
 */
public final class Issue22Bench {

  static final List<String> PROMPTS =
      List.of(
          "How do I reset my password?",
          "Wie kann ich mein Passwort zurücksetzen, wenn ich keinen Zugriff auf die E-Mail habe?",
          "¿Cómo puedo exportar los datos de mi cuenta a un archivo CSV?",
          "请帮我把这段话翻译成英文，并保持正式的语气。",
          "この文章を要約して、三つの要点を箇条書きにしてください。",
          "이 코드에서 메모리 누수가 발생하는 이유를 설명해 주세요.",
          "Объясни, пожалуйста, разницу между процессом и потоком.",
          "ما هي أفضل طريقة لتعلم البرمجة للمبتدئين؟");

  private Issue22Bench() {}

  public static void main(String[] args) throws Exception {
    language();
    permits();
  }

  static void language() {
    int rounds = 200_000;
    long sink = 0;
    for (int warm = 0; warm < 3; warm++) {
      for (int i = 0; i < rounds; i++) {
        String lang = LanguageDetector.detect(PROMPTS.get(i % PROMPTS.size()));
        sink += lang == null ? 0 : lang.length();
      }
    }
    long[] perPrompt = new long[PROMPTS.size()];
    for (int p = 0; p < PROMPTS.size(); p++) {
      long start = System.nanoTime();
      for (int i = 0; i < rounds; i++) {
        String lang = LanguageDetector.detect(PROMPTS.get(p));
        sink += lang == null ? 0 : lang.length();
      }
      perPrompt[p] = (System.nanoTime() - start) / rounds;
    }
    System.out.printf(
        "language detection, ns per prompt (%s): %s (sink %d)%n",
        PROMPTS.stream().map(LanguageDetector::detect).toList(), Arrays.toString(perPrompt), sink);
  }

  static void permits() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
    redis.start();
    Vertx vertx = Vertx.vertx();
    try {
      VertxClock clock = new VertxClock(vertx);
      RedisStateStore store =
          new RedisStateStore(vertx, clock, "redis://127.0.0.1:" + port, null, null, "bench:");
      store.warmUp().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Bulkhead local = new Bulkhead(vertx, clock, "local", 5);
      GlobalSemaphore global =
          new GlobalSemaphore(
              new RedisLeaseStore(store),
              clock,
              "bench",
              "bench",
              5,
              30_000,
              10_000,
              "bench-replica",
              new Bulkhead(vertx, clock, "fallback", 5));
      for (int round = 0; round < 2; round++) {
        double[] g = timeAcquireRelease(vertx, () -> global.acquire(), 5_000);
        double[] l =
            timeAcquireRelease(vertx, () -> local.acquire().map(p -> (SlotPermit) p), 5_000);
        if (round == 1) {
          System.out.printf(
              "global permit acquire (Redis Lua, loopback): p50 %.1f us, p99 %.1f us;"
                  + " per-replica bulkhead: p50 %.2f us, p99 %.2f us%n",
              g[0], g[1], l[0], l[1]);
        }
      }
      store.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      redis.stop();
    }
  }

  /** Acquire latency (until the permit is granted), then release; sequential, on a context. */
  static double[] timeAcquireRelease(
      Vertx vertx, java.util.function.Supplier<io.vertx.core.Future<SlotPermit>> acquire, int n)
      throws Exception {
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      java.util.concurrent.CompletableFuture<Long> done =
          new java.util.concurrent.CompletableFuture<>();
      vertx.runOnContext(
          v -> {
            long start = System.nanoTime();
            acquire
                .get()
                .onComplete(
                    ar -> {
                      long took = System.nanoTime() - start;
                      if (ar.succeeded()) {
                        ar.result().release();
                        done.complete(took);
                      } else {
                        done.completeExceptionally(ar.cause());
                      }
                    });
          });
      nanos[i] = done.get(10, TimeUnit.SECONDS);
    }
    Arrays.sort(nanos);
    return new double[] {nanos[n / 2] / 1000.0, nanos[(int) (n * 0.99)] / 1000.0};
  }
}
