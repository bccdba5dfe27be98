package dev.switchboard.gateway.cache;

import dev.switchboard.contract.RoutingTable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Turns a text into a unit-length embedding vector for the semantic cache: in process ({@link
 * MiniLmEmbedder}, on the cache's workers) or through a provider's embeddings API ({@link
 * ProviderEmbedder}, a non-blocking HTTP call).
 */
public interface Embedder {

  /**
   * What one embedding produced.
   *
   * @param vector the L2-normalised embedding, or null when the embedder does not embed the text
   * @param costUsd what the embedding cost (provider usage at the model's table price), or null
   *     when it is free or has no USD price
   */
  record Embedding(float[] vector, Double costUsd) {}

  /**
   * The embedder's name in the routing table's notation ({@code builtin:NAME}, {@code
   * provider:PROVIDER/MODEL}): metrics label it so.
   */
  String id();

  /**
   * The vector space this embedder embeds into under {@code table} (null: the table in force): its
   * {@link #id()}, and for a provider embedder also what else makes its vectors — the
   * ProviderEndpoint's kind, base URL and API version (another server may host another model under
   * the same name). Part of every semantic partition, so vectors of two embedders are never
   * compared. Called per semantic request: computed once per table load, not per call.
   */
  default String vectorSpace(RoutingTable table) {
    return id();
  }

  /**
   * Starts embedding {@code text}. Called on the request's event loop and never blocks it. The
   * result completes on one of {@code workers} (so the search that follows may run there at once),
   * or on the calling thread when it fails or declines the text at once. A failure is a cache miss,
   * never a client error; so is a text the embedder does not embed (a null vector: too long to
   * embed whole).
   *
   * @param requestId the request the embedding is for (tracing headers of a provider call)
   * @throws java.util.concurrent.RejectedExecutionException when the workers are saturated
   */
  CompletionStage<Embedding> embed(String text, String requestId, Executor workers);

  /**
   * As {@link #embed(String, String, Executor)}, into the {@link #vectorSpace} of {@code table}
   * (the routing table the request was planned on; null: the table in force), so a vector made
   * while a reload changes the embedder is indexed in the space it belongs to.
   */
  default CompletionStage<Embedding> embed(
      String text, String requestId, RoutingTable table, Executor workers) {
    return embed(text, requestId, workers);
  }
}
