package dev.switchboard.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.ProviderGuard;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import dev.switchboard.gateway.resilience.SlotPermit;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Embeds through a provider's embeddings API ({@code embedder.providerRef} + {@code model}): one
 * {@code POST …/embeddings} in OpenAI's wire format, or the provider's own through its {@link
 * dev.switchboard.gateway.upstream.adapter.UpstreamAdapter adapter} (Gemini's {@code
 * batchEmbedContents}, Azure's deployment URL), sent by the gateway's {@link UpstreamCaller} on its
 * pooled upstream clients with the provider's key, timeouts and answer size limit. The provider's
 * {@link ProviderGuard} applies as to any call: no call while its health checker says it is down,
 * its quota counts the call and the tokens, its concurrency caps hold a slot. A circuit breaker of
 * its own (default settings; not the routes' breakers, whose settings are per policy) stops calling
 * a failing embedder for a while, so every lookup is then a quick miss. It judges an answer as the
 * routes' breakers do ({@link FailoverChain#recordOutcome}): a 4xx about the input (an over-long
 * text the provider refused) is a miss for that request, not a fault of the provider.
 *
 * <p>Never blocks: the call is asynchronous on the request's event loop, the answer's vector is
 * parsed on a cache worker. Every failure completes the stage exceptionally — a miss for the
 * request, never an error. The provider entry is looked up in the table the request was planned on
 * (the table in force when none is given), the key at each call: a reload that changes the URL
 * applies to the requests planned on it, which key their semantic partition with the endpoint's
 * {@link #vectorSpace}, so a vector is always indexed in the space of the server that made it; a
 * key rotation applies at once.
 *
 * <p>A text longer than the provider's {@link EmbeddingInputLimit} (from the model's limit when the
 * policy states it, {@code embedder.maxInputTokens}) is not sent (no vector, at once): a provider
 * that truncates would embed only its opening, so two long texts sharing it would share one answer.
 */
public final class ProviderEmbedder implements Embedder {

  /**
   * The longest one embeddings call may take. Past the semantic deadline the request has gone on as
   * a miss, but the vector still indexes its answer for the next asker; beyond this it is not worth
   * waiting for.
   */
  public static final long CALL_TIMEOUT_MS = 10_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A text over the provider's {@link EmbeddingInputLimit}: no vector, nothing called. */
  private static final Embedding TOO_LONG = new Embedding(null, null);

  private final EmbedderRef ref;
  private final Integer maxInputTokens;
  private final String id;
  private final Supplier<Optional<RoutingTable>> table;
  private final Function<String, Optional<String>> keys;
  private final UpstreamCaller caller;
  private final ResilienceRegistry resilience;
  private final GatewayClock clock;

  /** The vector space of the endpoint entry last asked about ({@link #vectorSpace}). */
  private volatile Space space;

  /** A vector space's identity and the endpoint entry it was made from. */
  private record Space(RoutingTable.Provider provider, String identity) {}

  /**
   * @param maxInputTokens the model's input limit as the policy states it, or null: the bound for
   *     the provider's kind ({@link
   *     EmbeddingInputLimit#maxTokens(dev.switchboard.contract.ProviderKind, Integer)})
   * @param table the routing table in force
   * @param keys the current key of a provider, by provider name
   */
  public ProviderEmbedder(
      EmbedderRef ref,
      Integer maxInputTokens,
      Supplier<Optional<RoutingTable>> table,
      Function<String, Optional<String>> keys,
      UpstreamCaller caller,
      ResilienceRegistry resilience,
      GatewayClock clock) {
    if (!ref.isProvider()) {
      throw new IllegalArgumentException(ref + " is not a provider embedder");
    }
    this.ref = ref;
    this.maxInputTokens = maxInputTokens;
    this.id = ref.notation();
    this.table = table;
    this.keys = keys;
    this.caller = caller;
    this.resilience = resilience;
    this.clock = clock;
  }

  @Override
  public String id() {
    return id;
  }

  /**
   * {@code provider:NAME/MODEL} with the endpoint's kind, base URL and API version: what makes the
   * vectors (never its key, headers, timeouts or prices, which do not change them: a key rotation
   * keeps the index). Remembered for the endpoint entry it was made from, so a request costs a map
   * lookup and a comparison, and a table load one string.
   */
  @Override
  public String vectorSpace(RoutingTable planned) {
    RoutingTable.Provider provider = provider(planned);
    if (provider == null) {
      return id; // nothing is embedded without the endpoint: no vector is ever in this space
    }
    Space known = space;
    if (known != null && known.provider() == provider) {
      return known.identity();
    }
    if (known != null
        && Objects.equals(known.provider().kind(), provider.kind())
        && Objects.equals(known.provider().baseUrl(), provider.baseUrl())
        && Objects.equals(known.provider().apiVersion(), provider.apiVersion())) {
      space = new Space(provider, known.identity()); // a table load that kept the endpoint
      return known.identity();
    }
    String identity =
        id + '\n' + provider.kind() + '\n' + provider.baseUrl() + '\n' + provider.apiVersion();
    space = new Space(provider, identity);
    return identity;
  }

  /** The endpoint entry of {@code planned}, or of the table in force when it is null. */
  private RoutingTable.Provider provider(RoutingTable planned) {
    RoutingTable in = planned != null ? planned : table.get().orElse(null);
    return in == null ? null : in.providers().get(ref.provider());
  }

  @Override
  public CompletionStage<Embedding> embed(String text, String requestId, Executor workers) {
    return embed(text, requestId, null, workers);
  }

  @Override
  public CompletionStage<Embedding> embed(
      String text, String requestId, RoutingTable planned, Executor workers) {
    RoutingTable.Provider provider = provider(planned);
    if (provider == null) {
      return failed("provider " + ref.provider() + " is not in the routing table");
    }
    if (!provider.providerKind().servesEmbeddings()) {
      return failed("provider " + ref.provider() + " has no embeddings API");
    }
    if (!EmbeddingInputLimit.fits(
        text, EmbeddingInputLimit.maxTokens(provider.providerKind(), maxInputTokens))) {
      // The provider might embed only the text's opening: not embedded, the request exact-only.
      return CompletableFuture.completedFuture(TOO_LONG);
    }
    PlannedTarget target =
        new PlannedTarget(
            new RoutingTable.Target(ref.provider(), ref.model(), 1, 0),
            provider,
            PlannedTarget.STABLE);
    ProviderGuard guard = resilience.guard(provider);
    if (!guard.healthy()) {
      return failed(ref.provider() + " is unhealthy");
    }
    CircuitBreaker breaker = resilience.embedderBreaker(id);
    if (!breaker.tryAcquirePermission()) {
      return failed(id + ": circuit breaker open");
    }
    // The quota may be shared across replicas: its answer can come later, off this thread.
    Future<Boolean> quota = guard.takeQuota();
    if (quota.isComplete() && quota.succeeded()) {
      return afterQuota(quota.result(), text, requestId, workers, provider, target, guard, breaker);
    }
    CompletableFuture<Embedding> later = new CompletableFuture<>();
    quota.onComplete(
        ar ->
            afterQuota(
                    ar.succeeded() && ar.result(),
                    text,
                    requestId,
                    workers,
                    provider,
                    target,
                    guard,
                    breaker)
                .whenComplete(
                    (embedding, error) -> {
                      if (error != null) {
                        later.completeExceptionally(error);
                      } else {
                        later.complete(embedding);
                      }
                    }));
    return later;
  }

  private CompletionStage<Embedding> afterQuota(
      boolean room,
      String text,
      String requestId,
      Executor workers,
      RoutingTable.Provider provider,
      PlannedTarget target,
      ProviderGuard guard,
      CircuitBreaker breaker) {
    if (!room) {
      breaker.releasePermission();
      return failed(ref.provider() + " is out of quota");
    }
    ObjectNode request = JSON.createObjectNode().put("model", ref.model()).put("input", text);
    Buffer body;
    try {
      body =
          UpstreamAdapters.forProvider(provider)
              .encodeRequest(request, target, Operation.EMBEDDINGS, false);
    } catch (RuntimeException cannot) {
      breaker.releasePermission();
      guard.giveBackQuota();
      return failed(id + " cannot encode the request: " + cannot.getMessage());
    }
    RequestContext call = new RequestContext(requestId, Operation.EMBEDDINGS, clock);
    call.deadlineNanos(clock.nanoTime() + CALL_TIMEOUT_MS * 1_000_000);
    Optional<String> key = keys.apply(ref.provider());
    long start = breaker.getCurrentTimestamp();
    CompletableFuture<Embedding> result = new CompletableFuture<>();
    guard
        .acquire(ref.model())
        .recover(
            full -> {
              breaker.releasePermission(); // not the provider's fault: no breaker verdict
              guard.giveBackQuota();
              return Future.failedFuture(full);
            })
        .compose(
            permit ->
                caller
                    .callJson(target, Operation.EMBEDDINGS, body, call, key, request)
                    .onComplete(
                        ar -> {
                          release(permit);
                          long elapsed = breaker.getCurrentTimestamp() - start;
                          if (ar.succeeded()) {
                            breaker.onSuccess(elapsed, breaker.getTimestampUnit());
                          } else if (ar.cause() instanceof UpstreamFailure f
                              && !f.cutByDeadline()) {
                            // As the serving path judges it: a refused input (400/413/422, an
                            // estimate that undercounted) is the request's, not the provider's.
                            FailoverChain.recordOutcome(breaker, elapsed, f);
                          } else {
                            // Including a call cut by CALL_TIMEOUT_MS: that ceiling is the
                            // gateway's own, not a client's, so a provider this slow is failing.
                            breaker.onError(elapsed, breaker.getTimestampUnit(), ar.cause());
                          }
                        }))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                result.completeExceptionally(ar.cause());
                return;
              }
              JsonReply reply = ar.result();
              try {
                workers.execute(
                    () -> {
                      try {
                        result.complete(embedding(reply, target, guard));
                      } catch (RuntimeException | IOException e) {
                        result.completeExceptionally(e);
                      }
                    });
              } catch (RejectedExecutionException busy) {
                result.completeExceptionally(busy);
              }
            });
    return result;
  }

  /** The first vector of an OpenAI-shaped embeddings answer, unit length, with its cost. */
  private static Embedding embedding(JsonReply reply, PlannedTarget target, ProviderGuard guard)
      throws IOException {
    JsonNode answer = JSON.readTree(reply.body().getBytes());
    JsonNode values = answer.path("data").path(0).path("embedding");
    float[] vector;
    if (values.isArray() && !values.isEmpty()) {
      vector = new float[values.size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = (float) values.get(i).asDouble();
      }
    } else if (values.isTextual()) {
      // encoding_format: base64 — little-endian float32, as OpenAI sends it.
      ByteBuffer bytes =
          ByteBuffer.wrap(Base64.getDecoder().decode(values.asText()))
              .order(ByteOrder.LITTLE_ENDIAN);
      vector = new float[bytes.remaining() / 4];
      bytes.asFloatBuffer().get(vector);
    } else {
      throw new IOException("the embeddings answer has no data[0].embedding");
    }
    TokenUsage usage = reply.summary() == null ? null : reply.summary().usage();
    if (usage == null) {
      usage = TokenUsage.fromUsageNode(answer.get("usage"));
    }
    if (usage != null) {
      guard.chargeTokens(usage.inputTokens() + usage.outputTokens());
    }
    return new Embedding(VectorMath.normalise(vector), Pricing.costUsd(target, usage));
  }

  private static void release(SlotPermit permit) {
    if (permit != null) {
      permit.release();
    }
  }

  private static CompletionStage<Embedding> failed(String why) {
    return CompletableFuture.failedFuture(new IllegalStateException(why));
  }
}
