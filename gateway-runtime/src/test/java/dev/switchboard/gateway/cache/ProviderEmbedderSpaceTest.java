package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.time.ManualClock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * A provider embedder's vector space ({@link ProviderEmbedder#vectorSpace}): what makes its vectors
 * — the model, and the endpoint's kind, base URL and API version — and nothing that does not (key,
 * headers, timeouts, prices); read from the table a request was planned on, the same table its
 * embedding is made with, so a request still on the old table during a reload neither keys nor
 * embeds with the new endpoint.
 */
class ProviderEmbedderSpaceTest {

  private final AtomicReference<RoutingTable> inForce = new AtomicReference<>();

  private final ProviderEmbedder embedder =
      new ProviderEmbedder(
          EmbedderRef.provider("emb", "text-embedding-3-small"),
          null,
          () -> Optional.ofNullable(inForce.get()),
          name -> Optional.of("sk-provider"),
          null,
          null,
          new ManualClock());

  private static RoutingTable table(RoutingTable.Provider... providers) {
    return TestTables.table(List.of(providers), List.of());
  }

  private static RoutingTable.Provider endpoint(String kind, String baseUrl, String api) {
    return endpoint(kind, baseUrl, api, Map.of(), null);
  }

  private static RoutingTable.Provider endpoint(
      String kind,
      String baseUrl,
      String api,
      Map<String, String> headers,
      RoutingTable.Timeouts timeouts) {
    return new RoutingTable.Provider(
        "emb", kind, baseUrl, true, api, headers, timeouts, null, null, null, Map.of());
  }

  @Test
  void whatMakesTheVectorsIsTheSpace() {
    String original =
        embedder.vectorSpace(table(endpoint("openai-compatible", "http://a/v1", null)));

    assertThat(embedder.vectorSpace(table(endpoint("openai-compatible", "http://b/v1", null))))
        .isNotEqualTo(original);
    assertThat(embedder.vectorSpace(table(endpoint("openai", "http://a/v1", null))))
        .isNotEqualTo(original);
    assertThat(embedder.vectorSpace(table(endpoint("openai-compatible", "http://a/v1", "2025"))))
        .isNotEqualTo(original);
    assertThat(
            embedder.vectorSpace(
                table(
                    endpoint(
                        "openai-compatible",
                        "http://a/v1",
                        null,
                        Map.of("x-trace", "blue"),
                        new RoutingTable.Timeouts(1_000L, 2_000L, 3_000L, 4_000L)))))
        .isEqualTo(original);
    assertThat(original).startsWith("provider:emb/text-embedding-3-small");
  }

  @Test
  void aRequestKeysWithItsOwnTableNotTheOneInForce() {
    RoutingTable old = table(endpoint("openai-compatible", "http://old/v1", null));
    RoutingTable now = table(endpoint("openai-compatible", "http://new/v1", null));
    inForce.set(now);

    assertThat(embedder.vectorSpace(old)).isNotEqualTo(embedder.vectorSpace(now));
    assertThat(embedder.vectorSpace(null)).isEqualTo(embedder.vectorSpace(now));
  }

  @Test
  void theSpaceIsMadeOncePerTableNotPerRequest() {
    RoutingTable table = table(endpoint("openai-compatible", "http://a/v1", null));
    assertThat(embedder.vectorSpace(table)).isSameAs(embedder.vectorSpace(table));
  }

  /**
   * The embedding is made with the endpoint of the request's table: here the planned table's
   * endpoint cannot embed (no embeddings API) while the one in force could, and the other way
   * round.
   */
  @Test
  void aRequestEmbedsWithItsOwnTablesEndpoint() {
    RoutingTable planned = table(endpoint("anthropic", "http://old/v1", null));
    inForce.set(table(endpoint("openai-compatible", "http://new/v1", null)));
    assertThat(failure(embedder.embed("a question", "r1", planned, Runnable::run)))
        .hasMessageContaining("has no embeddings API");

    inForce.set(table(endpoint("anthropic", "http://new/v1", null)));
    RoutingTable without = table(TestTables.provider("other", "http://x/v1", true));
    assertThat(failure(embedder.embed("a question", "r2", without, Runnable::run)))
        .hasMessageContaining("not in the routing table");
  }

  private static Throwable failure(java.util.concurrent.CompletionStage<?> stage) {
    CompletableFuture<?> future = stage.toCompletableFuture();
    assertThat(future).isCompletedExceptionally();
    try {
      future.get();
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Assertions.fail("completed normally");
  }
}
