package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.cache.CacheRequest;
import dev.switchboard.gateway.cache.CacheSettings;
import dev.switchboard.gateway.cache.CacheStats;
import dev.switchboard.gateway.cache.CachedAnswer;
import dev.switchboard.gateway.cache.Embedder;
import dev.switchboard.gateway.cache.ExactStore;
import dev.switchboard.gateway.cache.LexicalGuard;
import dev.switchboard.gateway.cache.ResponseCache;
import dev.switchboard.gateway.cache.SemanticIndex;
import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.frontdoor.ResponsesFrontDoor;
import dev.switchboard.gateway.frontdoor.StreamEncoder;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.responses.ResponseLocations;
import dev.switchboard.gateway.routing.IdentitySlots;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.JsonReply;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamRequests;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * The exact and semantic response cache (docs/CACHING.md). Forward: a request the route's policy
 * caches is looked up in its partition — exact key first, then (off the event loop) the embedding
 * of its last user message against the partition's vectors, with the lexical guards on top; a hit
 * is answered here (JSON, or an SSE stream replayed event by event through the adapter's decoder
 * and the front door's encoder, as the original was) and finishes. Backward: a successful, complete
 * answer is stored. Registered after planning, so the partition holds the resolved target and the
 * canary arm is known.
 */
public final class CacheStage implements Stage {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Streams longer than this are not collected for the cache. */
  static final int MAX_STREAM_BYTES = 1024 * 1024;

  private final ResponseCache cache;
  private final GatewayMetrics metrics;
  private final Keys keys;

  /** Runs where an answer is made into a cache entry and stored: a test observes the thread. */
  private volatile Runnable storeProbe = () -> {};

  public CacheStage(ResponseCache cache, GatewayMetrics metrics) {
    this(cache, metrics, CacheStage::request);
  }

  /**
   * @param keys how a request's cache view is made ({@link #request}; a test watches the thread it
   *     runs on)
   */
  CacheStage(ResponseCache cache, GatewayMetrics metrics, Keys keys) {
    this.cache = cache;
    this.metrics = metrics;
    this.keys = keys;
  }

  /** Learns how a cached stream is replayed: a test observes its batches. */
  private volatile ReplayProbe replayProbe = ReplayProbe.NONE;

  /** For tests: {@code probe} learns each batch of every replayed stream. */
  CacheStage replayProbe(ReplayProbe probe) {
    this.replayProbe = probe;
    return this;
  }

  /** What a replay of a cached stream does, for tests. */
  interface ReplayProbe {
    ReplayProbe NONE =
        new ReplayProbe() {
          @Override
          public void batch(int events) {}

          @Override
          public void waiting(int eventsLeft) {}
        };

    /** A batch of {@code events} stored events was encoded and written (on this thread). */
    void batch(int events);

    /** The client's write queue is full: the replay waits for it to drain. */
    void waiting(int eventsLeft);
  }

  /** For tests: {@code probe} runs on the thread that stores each answer. */
  CacheStage storeProbe(Runnable probe) {
    this.storeProbe = probe;
    return this;
  }

  /**
   * Makes the cache view of a request (its keys) for the partition {@code scope}, with the semantic
   * partition in the embedder's {@code vectorSpace} ({@link Embedder#vectorSpace}; null: the exact
   * key only).
   */
  @FunctionalInterface
  interface Keys {
    CacheRequest of(Exchange exchange, String scope, CacheSettings settings, String vectorSpace);
  }

  /**
   * What one request's lookup found and what storing its answer needs; it also tells a shared store
   * where to open what it fetched ({@link ExactStore.Decoding}).
   */
  static final class Lookup implements StreamTap, ExactStore.Decoding {
    final Exchange exchange;
    final ResponseCache.RouteCache caches;
    final boolean store;
    final boolean semantic;

    /**
     * The embedder's vector space under the table the request was planned on (null: no semantic
     * cache), in its semantic partition: the embedding is made in it too.
     */
    final String vectorSpace;

    CacheRequest request;
    PlannedTarget keyedTarget;
    float[] vector;
    LexicalGuard.Profile profile;

    /** The embedding is still running (the request went on past the deadline). */
    boolean embedding;

    /**
     * An answer stored while its embedding ran: indexed when the vector arrives. An embedding that
     * arrives before the answer is stored (the request finished, its store still waits for keys
     * made off the loop) leaves its vector in {@link #vector} instead: each answer is indexed once,
     * by whichever of the two comes second.
     */
    CachedAnswer pendingSemantic;

    List<String> events;
    int eventBytes;
    boolean streamComplete;

    Lookup(Exchange exchange, ResponseCache.RouteCache caches, boolean store, String vectorSpace) {
      this.exchange = exchange;
      this.caches = caches;
      this.store = store;
      this.semantic = vectorSpace != null;
      this.vectorSpace = vectorSpace;
    }

    @Override
    public void event(String data) {
      if (events == null) {
        return;
      }
      eventBytes += data.length();
      if (eventBytes > MAX_STREAM_BYTES) {
        events = null; // too long to keep: not stored
        return;
      }
      events.add(data);
    }

    @Override
    public void completed() {
      streamComplete = true;
    }

    /**
     * A value over {@link ValidateStage#INLINE_PARSE_LIMIT} (the limit above which an answer is
     * decoded and stored off the loop): decrypting and decoding a shared store's value grows with
     * it, and Redis answers on an event loop.
     */
    @Override
    public boolean elsewhere(int storedBytes) {
      return storedBytes > ValidateStage.INLINE_PARSE_LIMIT;
    }

    /** On a worker; the hit goes on on the request's event loop. */
    @Override
    public Future<CachedAnswer> run(Callable<CachedAnswer> open) {
      return OffLoop.run(exchange, open);
    }
  }

  /**
   * The settings made of a policy's {@code cache} block, by the block's identity: made per request,
   * they were a record and four boxed defaults on every cached route's request.
   */
  private final IdentitySlots<RoutingTable.Cache, CacheSettings> settingsOfBlock =
      new IdentitySlots<>(64);

  /** {@link CacheSettings#of} {@code block}, made once per block while it is in its slot. */
  private CacheSettings settings(RoutingTable.Cache block) {
    return block == null ? null : settingsOfBlock.get(block, CacheSettings::of);
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    RoutingTable.Policy policy = ctx.route().policy();
    CacheSettings settings = policy == null ? null : settings(policy.cache());
    if (settings == null
        || ctx.operation().internal() != Operation.CHAT_COMPLETIONS
        || ctx.operation() == Operation.COUNT_TOKENS) {
      // No cache on this route, or a token count (never stored, and no answer to replay): no
      // lookup, no header, nothing changes.
      return true;
    }
    if (exchange.internal()) {
      // A drift check compares what the model answers now (samples, fingerprint) with its
      // baseline: a cached answer would hide the very drift it looks for. Nor is it stored.
      return true;
    }
    ResponseCache.RouteCache caches = cache.route(ctx.routeName(), settings);
    if (caches == null) {
      // Planned on a routing table whose cache settings for this route are not the applied
      // table's (a reload changed them while the request ran): no lookup, no store, so the route's
      // current caches are neither replaced nor filled under settings they do not have.
      ctx.cacheOutcome(CacheStats.BYPASS, null);
      return true;
    }
    String header = exchange.headers().apply("cache-control");
    String control = header == null ? "" : header.toLowerCase(java.util.Locale.ROOT);
    boolean noCache = control.contains("no-cache");
    boolean noStore = control.contains("no-store");
    List<PlannedTarget> plan = exchange.plan();
    ObjectNode chat = exchange.chat();
    double temperature =
        chat.path("temperature").isNumber()
            ? chat.path("temperature").asDouble()
            : CacheRequest.DEFAULT_TEMPERATURE;
    if (plan == null
        || plan.isEmpty()
        || PlannedTarget.CANARY.equals(plan.get(0).arm())
        || temperature > settings.maxTemperature()) {
      // A canary arm's answers must come from the canary (its analysis compares real answers);
      // a high temperature asks for variety, which a cache would take away.
      ctx.cacheOutcome(CacheStats.BYPASS, null);
      return true;
    }
    // Deterministic routes: the exact cache only (its key holds the seed); a similar question is
    // not the same question, and deterministic mode promises the answer to this one.
    boolean deterministic =
        policy.deterministic() != null && Boolean.TRUE.equals(policy.deterministic().enabled());
    Embedder embedder =
        caches.semantic() == null || deterministic ? null : cache.embedder(settings);
    // The vector space under the table this request was planned on, where it is embedded too: a
    // request still on the old table during a reload indexes its vector in the old space.
    String space = embedder == null ? null : embedder.vectorSpace(planned(ctx));
    Lookup lookup = new Lookup(exchange, caches, !noStore, space);
    exchange.cacheLookup(lookup);
    PlannedTarget first = plan.get(0);
    lookup.keyedTarget = first;
    String scope = scope(exchange, first);
    if (OffLoop.needed(exchange)) {
      keyOffLoop(exchange, scope, settings, space)
          .onComplete(
              made ->
                  exchange.continueIf(
                      () -> {
                        if (made.failed()) {
                          exchange.fail(made.cause());
                          return false;
                        }
                        lookup.request = made.result();
                        return lookUp(exchange, lookup, settings, noCache);
                      }));
      return false;
    }
    lookup.request = keys.of(exchange, scope, settings, space);
    return lookUp(exchange, lookup, settings, noCache);
  }

  /** The routing table {@code ctx} was planned on (null when it carries none: the one in force). */
  private static RoutingTable planned(RequestContext ctx) {
    return ctx.snapshot() == null ? null : ctx.snapshot().table();
  }

  /**
   * The keys made on a worker (the request's tree is only read, and nothing else touches it while
   * the pipeline waits); the result is handed back on the request's event loop. Used when {@link
   * OffLoop#needed}: the keys walk and SHA-256 the whole body (twice behind the Responses and
   * Messages doors), which for megabytes of inline images would stall every request on this event
   * loop — the same limit above which {@link ValidateStage} parses off the loop. Smaller bodies,
   * the hot path, are keyed in place.
   */
  private Future<CacheRequest> keyOffLoop(
      Exchange exchange, String scope, CacheSettings settings, String vectorSpace) {
    return OffLoop.run(exchange, () -> keys.of(exchange, scope, settings, vectorSpace));
  }

  /**
   * With the keys made: taps a stream for storing, then looks the exact key up. Returns whether the
   * pipeline goes on now.
   */
  private boolean lookUp(
      Exchange exchange, Lookup lookup, CacheSettings settings, boolean noCache) {
    RequestContext ctx = exchange.ctx();
    ResponseCache.RouteCache caches = lookup.caches;
    if (ctx.stream()) {
      lookup.events = new ArrayList<>();
      exchange.streamTap(lookup);
    }
    if (noCache) {
      ctx.cacheOutcome(CacheStats.BYPASS, null);
      return true;
    }
    if (caches.exact() == null) {
      return afterExact(exchange, lookup, settings, null);
    }
    Future<CachedAnswer> exact = caches.exact().lookup(lookup.request.exactKey(), lookup);
    if (exact.isComplete()) {
      return afterExact(exchange, lookup, settings, exact.result());
    }
    // A shared store: the answer comes back later (its own deadline; a failure is a miss), a
    // large one opened on a worker (this lookup's elsewhere/run).
    Context context = exchange.context();
    exact.onComplete(
        ar ->
            context.runOnContext(
                ignored ->
                    exchange.continueIf(
                        () ->
                            afterExact(
                                exchange, lookup, settings, ar.succeeded() ? ar.result() : null))));
    return false;
  }

  /**
   * After the exact lookup found {@code answer} (or null): answers a usable one, else tries the
   * semantic cache. Returns whether the pipeline goes on now (false: answered, or a semantic lookup
   * runs and continues the request itself).
   */
  private boolean afterExact(
      Exchange exchange, Lookup lookup, CacheSettings settings, CachedAnswer answer) {
    RequestContext ctx = exchange.ctx();
    ResponseCache.RouteCache caches = lookup.caches;
    if (answer != null
        && answer.stream() == ctx.stream()
        && cache.current(answer)
        && !cache.gone(answer)) {
      Future<Boolean> kept = stillStored(exchange, answer);
      if (kept == null) {
        answer(exchange, answer, CacheStats.HIT, null);
        return false;
      }
      // A stored Response deleted meanwhile: on to the semantic cache, as after a miss.
      return answerIfKept(
          exchange,
          kept,
          answer,
          CacheStats.HIT,
          null,
          () -> afterExact(exchange, lookup, settings, null));
    }
    String text = lookup.request.semanticText();
    if (!lookup.semantic || text == null || text.isBlank()) {
      ctx.cacheOutcome(CacheStats.MISS, null);
      return true;
    }
    Context context = exchange.context();
    Embedder embedder = cache.embedder(settings);
    String partition = lookup.request.partition();
    long now = cache.clock().currentTimeMillis();
    boolean stream = ctx.stream();
    String route = ctx.routeName();
    // Past the deadline the request goes upstream as a miss (the miss path costs at most this);
    // the embedding still finishes, so the answer is stored for the next asker. Both the timer and
    // the result run on this request's event loop, so whichever comes first decides alone.
    boolean[] decided = new boolean[1];
    lookup.embedding = true;
    long deadline =
        cache
            .clock()
            .setTimer(
                cache.semanticDeadlineMs(embedder),
                id ->
                    exchange.continueIf(
                        () -> {
                          if (decided[0]) {
                            return false;
                          }
                          decided[0] = true;
                          ctx.cacheOutcome(CacheStats.MISS, null);
                          return true;
                        }));
    // What the lookup found, back on the request's event loop.
    SemanticResult deliver =
        (found, v, p, costUsd) ->
            context.runOnContext(
                ignored -> {
                  lookup.embedding = false;
                  if (exchange.finished()) {
                    CachedAnswer pending = lookup.pendingSemantic;
                    lookup.pendingSemantic = null;
                    if (pending != null) {
                      if (v != null) {
                        index(caches, pending.partition(), v, pending, pending.storedAtMillis());
                      }
                    } else {
                      // Not stored yet (after a failover the served target's keys are still
                      // being made off the loop): the store indexes it with this vector.
                      lookup.vector = v;
                      lookup.profile = p;
                    }
                    return;
                  }
                  lookup.vector = v;
                  lookup.profile = p;
                  ctx.cacheEmbeddingCost(costUsd);
                  if (decided[0]) {
                    return; // already upstream as a miss: only the vector is kept, to store
                  }
                  decided[0] = true;
                  cache.clock().cancelTimer(deadline);
                  exchange.continueIf(
                      () -> {
                        if (found == null) {
                          ctx.cacheOutcome(CacheStats.MISS, null);
                          return true;
                        }
                        Future<Boolean> kept = stillStored(exchange, found.answer());
                        if (kept == null) {
                          answer(exchange, found.answer(), CacheStats.SEMANTIC, found.similarity());
                          return false;
                        }
                        return answerIfKept(
                            exchange,
                            kept,
                            found.answer(),
                            CacheStats.SEMANTIC,
                            found.similarity(),
                            () -> {
                              ctx.cacheOutcome(CacheStats.MISS, null);
                              return true;
                            });
                      });
                });
    try {
      embedder
          .embed(text, ctx.requestId(), planned(ctx), cache.embedding())
          .whenComplete(
              (embedding, failure) -> {
                metrics.cacheEmbedding(
                    route,
                    embedder.id(),
                    failure != null
                        ? GatewayMetrics.EMBEDDING_FAILED
                        : embedding == null || embedding.vector() == null
                            ? GatewayMetrics.EMBEDDING_TOO_LONG
                            : GatewayMetrics.EMBEDDING_OK,
                    embedding == null ? null : embedding.costUsd());
                // The search reads the index (milliseconds at 50,000 entries): on a worker, at
                // once when the embedding finished on one (the builtin embedder), else handed over
                // (a provider embedder that failed before reaching a worker).
                Runnable search =
                    () -> {
                      if (failure != null || embedding == null) {
                        // An embedding failure is a miss, never an error for the client.
                        deliver.found(null, null, null, null);
                        return;
                      }
                      search(caches, settings, embedding, text, partition, stream, now, deliver);
                    };
                if (ResponseCache.onWorker()) {
                  search.run();
                  return;
                }
                try {
                  cache.embedding().execute(search);
                } catch (RejectedExecutionException busy) {
                  deliver.found(null, null, null, null);
                }
              });
    } catch (RejectedExecutionException busy) {
      lookup.embedding = false;
      cache.clock().cancelTimer(deadline);
      ctx.cacheOutcome(CacheStats.MISS, null); // embedding workers saturated: go upstream
      return true;
    }
    return false;
  }

  /**
   * Adds an answer's vector to the semantic index on a cache worker: its SimHash signature costs
   * {@code 384 × dimensions} multiplications (over a millisecond for a 3,072-dimension provider
   * model), which the event loop does not pay. With the workers saturated it is not indexed (the
   * exact cache still holds it).
   */
  private void index(
      ResponseCache.RouteCache caches,
      String partition,
      float[] vector,
      CachedAnswer answer,
      long storedAtMillis) {
    try {
      cache
          .embedding()
          .execute(() -> caches.semantic().add(partition, vector, answer, storedAtMillis));
    } catch (RejectedExecutionException busy) {
      // Not indexed: a later asker of the same question still meets the exact cache.
    }
  }

  /** Where a semantic lookup's outcome goes (any thread; it hands over to the event loop). */
  private interface SemanticResult {
    void found(
        SemanticIndex.Match hit, float[] vector, LexicalGuard.Profile profile, Double costUsd);
  }

  /**
   * Searches the partition for {@code embedding}'s vector and reports the first usable match (same
   * answer mode, current model version, lexically compatible). Runs on a cache worker.
   */
  private void search(
      ResponseCache.RouteCache caches,
      CacheSettings settings,
      Embedder.Embedding embedding,
      String text,
      String partition,
      boolean stream,
      long now,
      SemanticResult deliver) {
    SemanticIndex.Match hit = null;
    float[] vector = embedding.vector();
    LexicalGuard.Profile profile = null;
    try {
      profile = LexicalGuard.profile(text);
      // A text the embedder leaves out (too long) is a miss and is not stored.
      List<SemanticIndex.Match> candidates =
          vector == null
              ? List.of()
              : caches.semantic().search(partition, vector, settings.threshold(), now);
      for (SemanticIndex.Match m : candidates) {
        if (m.answer().stream() == stream
            && cache.current(m.answer())
            && !cache.gone(m.answer())
            && m.profile() != null
            && LexicalGuard.compatible(profile, m.profile())) {
          hit = m;
          break;
        }
      }
    } catch (RuntimeException e) {
      hit = null; // a failed search is a miss, never an error for the client
    }
    deliver.found(hit, vector, profile, embedding.costUsd());
  }

  /**
   * Who and where: the partition scope no entry crosses. The tenant is {@link #tenant}; the route,
   * front door, answer mode and resolved target follow — as what answers it (provider and
   * configured model id, the provider's kind, base URL and API version, and the hash of the static
   * headers it sends ({@link UpstreamRequests#answerHeaders}: feature flags such as {@code
   * anthropic-beta} change the answer) — never its key or a credential header, timeouts or prices,
   * which do not change the answer —, so an answer of the server, format, API version or feature
   * flags a target had before a reload is not served for it now, and a replica still on the old
   * table stores its answers under the old identity) — then the door's protocol options the client
   * sent ({@code anthropic-beta}: they change what a target that speaks the door's format answers).
   */
  private static String scope(Exchange exchange, PlannedTarget target) {
    RequestContext ctx = exchange.ctx();
    String scope =
        tenant(exchange)
            + '\n'
            + ctx.routeName()
            + '\n'
            + ctx.operation().name()
            + '\n'
            + (ctx.stream() ? "stream" : "json")
            + '\n'
            + target.id()
            + '\n'
            + target.provider().kind()
            + '\n'
            + target.provider().baseUrl()
            + '\n'
            + target.provider().apiVersion()
            + '\n'
            + target.arm();
    String headers = UpstreamRequests.answerHeaders(target.provider());
    if (!headers.isEmpty()) {
      scope += "\nheaders " + headers; // a hash: no header value (nor key) in a key
    }
    for (String name : exchange.frontDoor().passThroughHeaders()) {
      String value = ctx.passThroughHeaders().get(name);
      if (value != null) {
        scope += '\n' + name + ": " + value; // printable ASCII only: no line breaks
      }
    }
    return scope;
  }

  /**
   * The tenant a cache partition belongs to: the consumer when consumer keys are in force (all keys
   * of one consumer share its answers, as they share its budget), else the SHA-256 of the API key
   * the caller presented ({@code anonymous} without one). The prefixes keep a consumer name from
   * ever equalling a key hash.
   */
  static String tenant(Exchange exchange) {
    if (exchange.caller() == null) {
      return "anonymous";
    }
    if (exchange.caller().consumer() != null) {
      return "consumer:" + exchange.caller().consumer().name();
    }
    return "key:" + exchange.caller().apiKeyHash();
  }

  /**
   * Answers the hit {@code answer}, which hands out a stored Response again ({@link
   * CachedAnswer#responseId}) or continues one ({@code previous_response_id}), once {@code kept}
   * ({@link #stillStored}) says it was not deleted; otherwise {@code otherwise} runs (the request
   * goes on as a miss). Returns whether the pipeline goes on now.
   */
  private boolean answerIfKept(
      Exchange exchange,
      Future<Boolean> kept,
      CachedAnswer answer,
      String outcome,
      Float similarity,
      BooleanSupplier otherwise) {
    if (kept.isComplete() && kept.succeeded() && kept.result()) {
      answer(exchange, answer, outcome, similarity);
      return false;
    }
    if (kept.isComplete()) {
      return otherwise.getAsBoolean();
    }
    Context context = exchange.context();
    kept.onComplete(
        ar ->
            context.runOnContext(
                ignored ->
                    exchange.continueIf(
                        () -> {
                          if (ar.succeeded() && ar.result()) {
                            answer(exchange, answer, outcome, similarity);
                            return false;
                          }
                          return otherwise.getAsBoolean();
                        })));
    return false;
  }

  /**
   * Whether the stored Responses a hit of {@code answer} would hand out again ({@link
   * CachedAnswer#responseId}) or continue ({@code previous_response_id}) still exist; null when it
   * names none (every hit but those of a Responses target with {@code store} on, and of
   * follow-ups), which is answered at once. Exist means known to the response locations as every
   * replica sees them ({@link ResponseLocations#confirm}: the shared store, one round trip, when
   * there is one); an id found gone is noted ({@link ResponseCache#responseGone}), and a location
   * that cannot be read now is not vouched for either (a miss, not noted).
   */
  private Future<Boolean> stillStored(Exchange exchange, CachedAnswer answer) {
    String own = answer.responseId();
    JsonNode previous =
        exchange.ctx().operation() == Operation.RESPONSES
            ? exchange.body().get("previous_response_id")
            : null;
    String continued = previous != null && previous.isTextual() ? previous.textValue() : null;
    if ((own == null && continued == null)
        || !(exchange.frontDoor() instanceof ResponsesFrontDoor door)) {
      return null;
    }
    ResponseLocations locations = door.locations();
    Future<Boolean> first =
        own == null ? Future.succeededFuture(true) : stillStored(locations, own);
    return continued == null
        ? first
        : first.compose(
            ok -> ok ? stillStored(locations, continued) : Future.succeededFuture(false));
  }

  private Future<Boolean> stillStored(ResponseLocations locations, String id) {
    return locations
        .confirm(id)
        .map(
            location -> {
              if (location == null || !location.stored()) {
                cache.responseGone(id);
                return false;
              }
              return true;
            });
  }

  private void answer(Exchange exchange, CachedAnswer answer, String outcome, Float similarity) {
    RequestContext ctx = exchange.ctx();
    ctx.cacheOutcome(outcome, similarity == null ? null : similarity.doubleValue());
    ctx.cacheSaved(answer.costUsd(), answer.latencyMs());
    if (answer.provider() != null) {
      ctx.cacheProviderKind(answer.provider().kind());
      ctx.cacheSource(answer.provider().name(), answer.targetId());
    }
    // What the attempt that produced it was not sent as asked is true of this answer too.
    ctx.attemptUnhonoured(answer.unhonoured());
    ctx.firstToken();
    if (ctx.clientGone()) {
      exchange.finish(499, "cancelled", "client_cancelled");
      return;
    }
    if (answer.stream()) {
      replayStream(exchange, answer);
    } else {
      // Answered as an upstream answer is: a large one reshaped by its door off the loop.
      AnswerStage.sendJson(
          exchange,
          new JsonReply(200, Buffer.buffer(answer.json()), answer.summary(), answer.format()));
    }
  }

  /**
   * The stored events through a fresh decoder and the front door's encoder: a valid stream. A
   * stream whose events total at most {@link ValidateStage#INLINE_PARSE_LIMIT}, the hot path, is
   * encoded and written in one piece; a larger one (up to {@link #MAX_STREAM_BYTES}) goes out batch
   * by batch ({@link Replay}).
   */
  private void replayStream(Exchange exchange, CachedAnswer answer) {
    RequestContext ctx = exchange.ctx();
    StreamDecoder decoder =
        UpstreamAdapters.forProvider(answer.provider())
            .streamDecoder(answer.format(), exchange.stripUsage(), ctx::epochSeconds);
    StreamEncoder encoder =
        exchange.frontDoor().streamEncoder(answer.format(), exchange.body(), ctx);
    List<String> events = answer.events();
    if (large(events)) {
      new Replay(exchange, answer, decoder, encoder, replayProbe).next();
      return;
    }
    Buffer out = Buffer.buffer();
    boolean done = encode(ctx, decoder, encoder, events, 0, events.size(), out);
    replayProbe.batch(events.size());
    ended(ctx, answer, decoder, encoder, done, out);
    HttpServerResponse response = exchange.response();
    SseRelay.streamHead(response, ctx);
    response.end(out);
    exchange.finish(200, "success", null);
  }

  /** Whether {@code events} total more than {@link ValidateStage#INLINE_PARSE_LIMIT} chars. */
  private static boolean large(List<String> events) {
    long total = 0;
    for (int i = 0; i < events.size(); i++) {
      total += events.get(i).length();
      if (total > ValidateStage.INLINE_PARSE_LIMIT) {
        return true;
      }
    }
    return false;
  }

  /**
   * Decodes the stored events {@code [from, to)}, records their facts and appends what the door
   * encodes to {@code out}; returns whether the final event was among them.
   */
  private static boolean encode(
      RequestContext ctx,
      StreamDecoder decoder,
      StreamEncoder encoder,
      List<String> events,
      int from,
      int to,
      Buffer out) {
    boolean done = false;
    for (int i = from; i < to; i++) {
      StreamEventFacts event = decoder.decode(events.get(i), null);
      switch (event.kind()) {
        case CHUNK -> {
          Exchange.record(ctx, event);
          append(out, encoder.event(event));
        }
        case DROP -> Exchange.record(ctx, event);
        case DONE -> {
          done = true;
          Exchange.record(ctx, event);
          append(out, encoder.end(event));
        }
        default -> {
          // Never stored: only streams that reached their final event are.
        }
      }
    }
    return done;
  }

  /** After the last stored event: the stream's end, and the usage the original reported. */
  private static void ended(
      RequestContext ctx,
      CachedAnswer answer,
      StreamDecoder decoder,
      StreamEncoder encoder,
      boolean done,
      Buffer out) {
    if (!done) {
      // A provider whose close is its end (Gemini): the end event is the decoder's, as in SseRelay.
      StreamEventFacts end = decoder.atEnd();
      if (end != null && end.kind() == StreamEventFacts.Kind.DONE) {
        Exchange.record(ctx, end);
        append(out, encoder.end(end));
      }
    }
    // The recorded usage is the original's; without it the replay reports the stored one.
    if (ctx.usage() == null && answer.usage() != null) {
      ctx.usage(answer.usage());
    }
  }

  private static void append(Buffer out, Buffer event) {
    if (event != null) {
      out.appendBuffer(event);
    }
  }

  /** Stored events encoded per turn of the event loop when a large stream is replayed. */
  static final int REPLAY_BATCH_CHARS = 32 * 1024;

  /**
   * A large stored stream replayed as a relayed one goes out: a batch of events (about {@link
   * #REPLAY_BATCH_CHARS} of stored data) is decoded, encoded and written per turn of the event
   * loop, and the next waits for the next turn — or, when the client reads slower than the stream
   * is written, until the response's write queue drained. Before, all of a stream of up to 1 MiB
   * was encoded in one turn (about a millisecond in which no other request on the loop moved) and
   * handed to the connection at once, however slowly the client read. The client leaving ends it
   * (499); a failure after the head went out ends it with the door's terminal error event.
   */
  private static final class Replay implements OpenStream {
    private final Exchange exchange;
    private final RequestContext ctx;
    private final CachedAnswer answer;
    private final List<String> events;
    private final StreamDecoder decoder;
    private final StreamEncoder encoder;
    private final ReplayProbe probe;
    private int next;
    private boolean done;
    private boolean headSent;
    private boolean closed;

    /** Waiting for the write queue to drain (a drain at another time is not ours to act on). */
    private boolean draining;

    Replay(
        Exchange exchange,
        CachedAnswer answer,
        StreamDecoder decoder,
        StreamEncoder encoder,
        ReplayProbe probe) {
      this.exchange = exchange;
      this.ctx = exchange.ctx();
      this.answer = answer;
      this.events = answer.events();
      this.decoder = decoder;
      this.encoder = encoder;
      this.probe = probe;
      exchange.relay(this); // a failure while replaying ends the stream through it
      // The client leaving mid-replay (also while the replay waits for a drain that will never
      // come) ends the request; a close that comes as the last batch is handed over (an h2c
      // upgrade's HTTP/1 side closes as the answer ends) is not the client leaving.
      ctx.onCancel(
          () -> {
            if (!closed) {
              closed = true;
              exchange.finish(499, "cancelled", "client_cancelled");
            }
          });
    }

    /** Decodes, encodes and writes the next batch; the last one ends the stream. */
    void next() {
      if (closed || exchange.finished()) {
        return;
      }
      int to = next;
      int chars = 0;
      while (to < events.size() && chars < REPLAY_BATCH_CHARS) {
        chars += events.get(to++).length();
      }
      Buffer out = Buffer.buffer(chars + 256);
      done |= encode(ctx, decoder, encoder, events, next, to, out);
      probe.batch(to - next);
      next = to;
      HttpServerResponse response = exchange.response();
      if (!headSent) {
        headSent = true;
        SseRelay.streamHead(response, ctx);
      }
      if (next == events.size()) {
        closed = true;
        ended(ctx, answer, decoder, encoder, done, out);
        response.end(out);
        exchange.finish(200, "success", null);
        return;
      }
      response.write(out);
      if (response.writeQueueFull()) {
        draining = true;
        probe.waiting(events.size() - next);
        response.drainHandler(
            v -> {
              if (draining) {
                draining = false;
                resume();
              }
            });
      } else {
        exchange.context().runOnContext(v -> resume());
      }
    }

    /** The next batch under the pipeline's guard: what it throws fails the request. */
    private void resume() {
      exchange.continueIf(
          () -> {
            next();
            return false;
          });
    }

    @Override
    public void fail(OpenAiError error) {
      if (closed) {
        return;
      }
      closed = true;
      if (ctx.clientGone()) {
        exchange.finish(499, "cancelled", "client_cancelled");
        return;
      }
      if (!headSent) {
        SseRelay.streamHead(exchange.response(), ctx);
      }
      SseRelay.endWithError(exchange, encoder, error);
    }
  }

  @Override
  public void backward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    String outcome = ctx.cacheOutcome();
    if (outcome == null) {
      return;
    }
    cache.stats().record(ctx.routeName(), outcome, ctx.cacheSavedUsd(), ctx.cacheSavedMs());
    metrics.cache(ctx.routeName(), outcome, ctx.cacheSavedUsd(), ctx.cacheSavedMs());
    Lookup lookup = exchange.cacheLookup();
    if (lookup == null || ctx.servedFromCache()) {
      return;
    }
    PlannedTarget served = ctx.target();
    if (served != null && ctx.status() == 200 && "success".equals(ctx.outcome())) {
      cache.served(served.id(), ctx.upstreamModel());
    }
    if (!lookup.store || !storable(exchange, lookup)) {
      return;
    }
    if (!served.equals(lookup.keyedTarget)) {
      // Failover: the answer is the served target's, so it goes into that target's partition.
      String scope = scope(exchange, served);
      CacheSettings settings = lookup.caches.settings();
      if (OffLoop.needed(exchange)) {
        keyOffLoop(exchange, scope, settings, lookup.vectorSpace)
            .onSuccess(request -> store(exchange, lookup, served, request));
        return; // a failure to key it only leaves it unstored
      }
      store(exchange, lookup, served, keys.of(exchange, scope, settings, lookup.vectorSpace));
      return;
    }
    store(exchange, lookup, served, lookup.request);
  }

  /**
   * Stores the answer {@code served} gave under {@code request}'s keys. An answer over {@link
   * ValidateStage#INLINE_PARSE_LIMIT} (a JSON body, or a stream's events) is copied, checked (every
   * choice of {@code n > 1}) and put into the exact store on a worker — sealing it for a shared
   * store encrypts all of it — by the limit above which it was decoded on one; the request has
   * walked back, nothing waits for it. Its semantic indexing follows back on the event loop, where
   * the embedding's result arrives.
   */
  private void store(Exchange exchange, Lookup lookup, PlannedTarget served, CacheRequest request) {
    long now = cache.clock().currentTimeMillis();
    // Read here: the semantic lookup's fields change on this loop.
    String semanticText =
        lookup.vector == null && !lookup.embedding ? null : request.semanticText();
    int size =
        exchange.result() instanceof JsonReply reply ? reply.body().length() : lookup.eventBytes;
    if (size > ValidateStage.INLINE_PARSE_LIMIT) {
      OffLoop.run(exchange, () -> put(exchange, lookup, served, request, now, semanticText))
          .onSuccess(answer -> indexStored(lookup, request, answer, now)); // failed: unstored
      return;
    }
    indexStored(lookup, request, put(exchange, lookup, served, request, now, semanticText), now);
  }

  /**
   * The finished request's answer as a cache entry, put into the exact store; null when a choice of
   * several did not end naturally (not stored). Reads only what no one changes once the request
   * finished, so it may run on a worker.
   */
  private CachedAnswer put(
      Exchange exchange,
      Lookup lookup,
      PlannedTarget served,
      CacheRequest request,
      long now,
      String semanticText) {
    storeProbe.run();
    RequestContext ctx = exchange.ctx();
    JsonReply reply = exchange.result() instanceof JsonReply r ? r : null;
    if (reply != null && exchange.chat().path("n").asInt(1) > 1 && !everyChoiceEnded(reply)) {
      return null;
    }
    Operation format =
        reply != null
            ? reply.format()
            : ((dev.switchboard.gateway.upstream.UpstreamStream) exchange.result()).format();
    CachedAnswer answer =
        new CachedAnswer(
            reply == null ? null : reply.bodyBytes(),
            reply == null ? null : reply.summary(),
            reply == null ? List.copyOf(lookup.events) : null,
            format,
            served.provider(),
            served.id(),
            ctx.upstreamModel(),
            ctx.usage(),
            // What the answer is charged (AccountStage, later on the way back): the prices in
            // force now, a price window applied — what a hit on it then saves.
            Pricing.costUsd(served, ctx.usage(), java.time.Instant.ofEpochMilli(now)),
            ctx.durationSeconds() * 1000,
            now,
            request.partition(),
            semanticText,
            ctx.attemptUnhonoured(),
            ctx.storedResponseId());
    if (lookup.caches.exact() != null) {
      lookup.caches.exact().put(request.exactKey(), answer);
    }
    return answer;
  }

  /** A stored answer into the semantic index, now or once its embedding arrives (on the loop). */
  private void indexStored(Lookup lookup, CacheRequest request, CachedAnswer answer, long now) {
    if (answer == null) {
      return; // not every choice ended naturally: not stored
    }
    if (lookup.vector != null && lookup.caches.semantic() != null) {
      index(lookup.caches, request.partition(), lookup.vector, answer, now);
    } else if (lookup.embedding && lookup.caches.semantic() != null) {
      lookup.pendingSemantic = answer; // answered upstream before its embedding was ready
    }
  }

  /**
   * The cache view of a request: with the semantic partition and text only when the semantic cache
   * applies (computing them costs as much again as the exact key). A request of another front door
   * keys on its own body too: a target that speaks the door's format is sent that body, not the
   * chat form.
   */
  static CacheRequest request(
      Exchange exchange, String scope, CacheSettings settings, String vectorSpace) {
    ObjectNode chat = exchange.chat();
    Operation op = exchange.ctx().operation();
    ObjectNode door = op == op.internal() ? null : exchange.body();
    String turns = op == Operation.RESPONSES ? "input" : "messages";
    return vectorSpace != null
        ? CacheRequest.of(chat, door, turns, scope, settings.conversation(), vectorSpace)
        : CacheRequest.exactOnly(chat, door, scope);
  }

  /**
   * Only successful, complete answers: status 200, a natural end ({@code stop} or {@code
   * tool_calls}: never {@code length}, a content filter, nor the reason an adapter records for an
   * answer the provider left unfinished, such as Anthropic's {@code pause_turn}), no refusal, from
   * the stable arm, and for a stream only one that reached its final event. With several choices
   * ({@code n > 1}) every choice must have ended so (the facts above are the first choice's); such
   * streams are not kept.
   */
  private static boolean storable(Exchange exchange, Lookup lookup) {
    RequestContext ctx = exchange.ctx();
    PlannedTarget served = ctx.target();
    if (served == null
        || ctx.status() != 200
        || !"success".equals(ctx.outcome())
        || ctx.refused()
        || !PlannedTarget.STABLE.equals(served.arm())
        || !("stop".equals(ctx.finishReason()) || "tool_calls".equals(ctx.finishReason()))) {
      return false;
    }
    boolean choices = exchange.chat().path("n").asInt(1) > 1;
    if (exchange.result() instanceof JsonReply reply) {
      return reply.status() == 200; // with choices, each is checked as the answer is stored
    }
    return ctx.stream() && lookup.streamComplete && lookup.events != null && !choices;
  }

  /** Whether every choice of a chat completion ended naturally and none is a refusal. */
  private static boolean everyChoiceEnded(JsonReply reply) {
    if (reply.format() != Operation.CHAT_COMPLETIONS) {
      return true; // the other formats have one answer, judged by the summary
    }
    try {
      for (JsonNode choice : JSON.readTree(reply.body().getBytes()).path("choices")) {
        String finish = choice.path("finish_reason").asText("");
        if (!("stop".equals(finish) || "tool_calls".equals(finish))
            || !choice.path("message").path("refusal").asText("").isEmpty()) {
          return false;
        }
      }
      return true;
    } catch (java.io.IOException unreadable) {
      return false;
    }
  }
}
