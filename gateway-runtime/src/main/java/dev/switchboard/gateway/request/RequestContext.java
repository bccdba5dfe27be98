package dev.switchboard.gateway.request;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.determinism.Determinism;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.upstream.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything one request accumulates on its way through the pipeline: identity, the snapshot it
 * runs on, the route and target that served it, attempts, timings, usage and cost. Touched only
 * from the request's event-loop thread, so it is deliberately not synchronized.
 */
public final class RequestContext {

  /** One upstream attempt as it ended. */
  public record Attempt(String targetId, String arm, String outcome, int upstreamStatus) {}

  private final String requestId;
  private final Operation operation;
  private final String operationName;
  private final GatewayClock clock;
  private final long startNanos;
  private final List<Attempt> attempts = new ArrayList<>();
  private final List<Runnable> cancelActions = new ArrayList<>();
  private final List<Runnable> finishActions = new ArrayList<>();

  private RoutingSnapshot snapshot;
  private ResolvedRoute route;
  private PlannedTarget target;
  private List<String> attemptUnhonoured = List.of();
  private boolean stream;
  private boolean clientGone;
  private int status;
  private String outcome = "unknown";
  private String errorClass;
  private String upstreamModel;
  private String systemFingerprint;
  private String routeReason;
  private java.util.Map<String, String> passThroughHeaders = java.util.Map.of();
  private String consumerName;
  private boolean countStreamedText;
  private long answerChars;
  private Map<String, String> consumerLabels = Map.of();
  private String language;
  private Long firstTokenNanos;

  /** When the serving attempt started, when it was not the first ({@link #retried}). */
  private long attemptStartNanos;

  private boolean retried;
  private boolean shadow;
  private Long endNanos;
  private TokenUsage usage;
  private TokenUsage estimatedUsage;
  private Double costUsd;
  private String finishReason;
  private boolean refused;
  private String loggedRequestBody;
  private String loggedResponseBody;
  private long deadlineNanos;
  private Object needs;
  private String cacheOutcome;
  private String unhonouredParams;
  private String cacheProviderKind;
  private String cacheProvider;
  private String cacheTargetId;
  private String storedResponseId;
  private Double cacheSimilarity;
  private Double cacheSavedUsd;
  private double cacheSavedMs;
  private Double cacheEmbeddingUsd;
  private Determinism determinism;

  /** A request that starts now on {@code clock}. */
  public RequestContext(String requestId, Operation operation, GatewayClock clock) {
    this(requestId, operation, operation.otelName(), clock);
  }

  /**
   * A request that starts now on {@code clock}, named {@code operationName} in metrics and the
   * request log instead of its operation's {@code gen_ai.operation.name} (a stored-response call of
   * the Responses API is no chat).
   */
  public RequestContext(
      String requestId, Operation operation, String operationName, GatewayClock clock) {
    this.requestId = requestId;
    this.operation = operation;
    this.operationName = operationName;
    this.clock = clock;
    this.startNanos = clock.nanoTime();
  }

  /** The gateway's clock, which every timing of this request is read from. */
  public GatewayClock clock() {
    return clock;
  }

  /**
   * The gateway clock's wall time in epoch seconds: the {@code created} of an answer the gateway
   * translates (Anthropic's and Gemini's carry none).
   */
  public long epochSeconds() {
    return clock.currentTimeMillis() / 1000;
  }

  public String requestId() {
    return requestId;
  }

  public Operation operation() {
    return operation;
  }

  /**
   * The {@code operation} of metrics and the request log: the operation's {@code
   * gen_ai.operation.name}, or a stored-response call's own name ({@code response_retrieve}, ...).
   */
  public String operationName() {
    return operationName;
  }

  public long startNanos() {
    return startNanos;
  }

  public RoutingSnapshot snapshot() {
    return snapshot;
  }

  public void snapshot(RoutingSnapshot snapshot) {
    this.snapshot = snapshot;
  }

  public ResolvedRoute route() {
    return route;
  }

  public void route(ResolvedRoute route) {
    this.route = route;
  }

  /** The route's name, or {@link #NO_ROUTE} before (or without) one was resolved. */
  public String routeName() {
    return route == null ? NO_ROUTE : route.name();
  }

  /**
   * The name of no route: the {@code route} of a request that resolved none (a stored-response
   * call, a refusal before routing) in metrics and logs. {@code _none} because no route can be
   * named so: a ModelRoute's name is a Kubernetes object name (lowercase alphanumerics, '-' and
   * '.'), which never holds '_', so a route named {@code none} keeps series of its own. Also free
   * of PromQL regex metacharacters ({@code route!~"$route"} stays literal, as {@code (none)} would
   * not). A hand-written table naming a route or provider so is refused ({@link
   * RoutingTable#RESERVED_NAME}).
   */
  public static final String NO_ROUTE = RoutingTable.RESERVED_NAME;

  /** The target that served (or last failed) the request; null before the first attempt. */
  public PlannedTarget target() {
    return target;
  }

  public void target(PlannedTarget target) {
    if (this.target != null) {
      // A retry or failover: the serving attempt's own times start now, and only what its own
      // encoding changed is said (an earlier attempt's Mistral target dropped fields this one has).
      attemptStartNanos = clock.nanoTime();
      retried = true;
      attemptUnhonoured = List.of();
    }
    this.target = target;
  }

  /**
   * The request parameters the current attempt's target was not sent as asked, as its upstream
   * adapter's encoding reported them (in the client's names; empty, shared, when none): on the
   * served attempt, what {@code x-switchboard-unhonoured-params} names beside a deterministic
   * route's seed. Each attempt starts empty ({@link #target(PlannedTarget)}).
   */
  public List<String> attemptUnhonoured() {
    return attemptUnhonoured;
  }

  /** What the current attempt's encoding left out or changed (immutable). */
  public void attemptUnhonoured(List<String> params) {
    this.attemptUnhonoured = params;
  }

  /** Whether this is a shadow canary's copy, which answers no client. */
  public boolean shadow() {
    return shadow;
  }

  /** Marks this context as a shadow canary's copy. */
  public void shadow(boolean shadow) {
    this.shadow = shadow;
  }

  /** Whether an attempt before the serving one was made (a retry or failover). */
  public boolean retried() {
    return retried;
  }

  /**
   * Time to first token of the serving attempt alone, in milliseconds (the request's after a retry
   * or failover excludes the attempts and waits before it), or null when no token arrived.
   */
  public Double attemptTtftMs() {
    return firstTokenNanos == null ? null : (firstTokenNanos - attemptStart()) / 1e6;
  }

  /** Duration of the serving attempt alone (until the request's end), in milliseconds. */
  public double attemptDurationMs() {
    return ((endNanos == null ? clock.nanoTime() : endNanos) - attemptStart()) / 1e6;
  }

  private long attemptStart() {
    return retried ? attemptStartNanos : startNanos;
  }

  public boolean stream() {
    return stream;
  }

  public void stream(boolean stream) {
    this.stream = stream;
  }

  public List<Attempt> attempts() {
    return attempts;
  }

  public void recordAttempt(Attempt attempt) {
    attempts.add(attempt);
  }

  /**
   * A committed stream's attempt came to its outcome after all: its entry (recorded as a success
   * when its first event went out, for the attempts header) says how it ended, for the request log.
   */
  public void settleAttempt(String targetId, String outcome, int upstreamStatus) {
    for (int i = attempts.size() - 1; i >= 0; i--) {
      Attempt a = attempts.get(i);
      if (a.targetId().equals(targetId)) {
        attempts.set(i, new Attempt(targetId, a.arm(), outcome, upstreamStatus));
        return;
      }
    }
  }

  public int status() {
    return status;
  }

  /** Sets the final HTTP status and outcome ({@code success}, {@code error}, ...), now. */
  public void finish(int status, String outcome, String errorClass) {
    this.status = status;
    this.outcome = outcome;
    this.errorClass = errorClass;
    this.endNanos = clock.nanoTime();
    List<Runnable> actions = List.copyOf(finishActions);
    finishActions.clear();
    actions.forEach(Runnable::run);
  }

  /** Registers what to do once the request finished (e.g. charge used tokens to rate limits). */
  public void onFinished(Runnable action) {
    finishActions.add(action);
  }

  /**
   * The overall deadline of the request ({@link GatewayClock#nanoTime()} based), 0 when none is
   * set: no attempt, backoff or failover may run past it.
   */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  public void deadlineNanos(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  /** Milliseconds left until the deadline (at least 1), or {@link Long#MAX_VALUE} without one. */
  public long remainingMs() {
    if (deadlineNanos == 0) {
      return Long.MAX_VALUE;
    }
    return Math.max(1, (deadlineNanos - clock.nanoTime()) / 1_000_000);
  }

  /** What the request needs from a target (capabilities, context); set by the resilience layer. */
  @SuppressWarnings("unchecked")
  public <T> T needs() {
    return (T) needs;
  }

  public void needs(Object needs) {
    this.needs = needs;
  }

  /**
   * The response cache's verdict ({@code hit}, {@code semantic}, {@code miss}, {@code bypass}), or
   * null when the route does not cache.
   */
  public String cacheOutcome() {
    return cacheOutcome;
  }

  /** The similarity of a semantic hit, else null. */
  public Double cacheSimilarity() {
    return cacheSimilarity;
  }

  /**
   * What the answer's {@code x-switchboard-unhonoured-params} header said ({@code "seed,
   * temperature"}), or null when it was not sent; the request log writes the same.
   */
  public String unhonouredParams() {
    return unhonouredParams;
  }

  public void unhonouredParams(String params) {
    this.unhonouredParams = params;
  }

  public void cacheOutcome(String outcome, Double similarity) {
    this.cacheOutcome = outcome;
    this.cacheSimilarity = similarity;
  }

  /**
   * The kind of provider that produced what the client got: the target's, or on a cache hit the
   * stored answer's (a hit has no target). Null before either is known.
   */
  public String servedProviderKind() {
    return target != null ? target.provider().kind() : cacheProviderKind;
  }

  /** On a cache hit: the kind of provider that produced the stored answer. */
  public void cacheProviderKind(String kind) {
    this.cacheProviderKind = kind;
  }

  /** On a cache hit: the provider and target ({@code provider/model}) that produced the answer. */
  public void cacheSource(String provider, String targetId) {
    this.cacheProvider = provider;
    this.cacheTargetId = targetId;
  }

  /** The provider that produced the answer a cache hit served, else null. */
  public String cacheProvider() {
    return cacheProvider;
  }

  /** The target ({@code provider/model}) that produced the answer a cache hit served, else null. */
  public String cacheTargetId() {
    return cacheTargetId;
  }

  /**
   * The id of the Response a target keeps for this request (one passed through from a Responses
   * target with {@code store} on): the cache stores it with the answer, so a hit that would hand it
   * out again is checked against its deletion. Null otherwise.
   */
  public String storedResponseId() {
    return storedResponseId;
  }

  /** Sets {@link #storedResponseId()}. */
  public void storedResponseId(String id) {
    this.storedResponseId = id;
  }

  /** Whether the answer came from the response cache (it then costs nothing). */
  public boolean servedFromCache() {
    return "hit".equals(cacheOutcome) || "semantic".equals(cacheOutcome);
  }

  /**
   * What embedding this request's text for the semantic cache cost (a provider embedder's usage at
   * its model's price), or null when free, unpriced, or not known before the request ended.
   */
  public Double cacheEmbeddingUsd() {
    return cacheEmbeddingUsd;
  }

  public void cacheEmbeddingCost(Double usd) {
    this.cacheEmbeddingUsd = usd;
  }

  /** What the cached answer cost when it was produced (saved by this hit), or null. */
  public Double cacheSavedUsd() {
    return cacheSavedUsd;
  }

  /** How long the cached answer took when it was produced (saved by this hit), 0 on a miss. */
  public double cacheSavedMs() {
    return cacheSavedMs;
  }

  public void cacheSaved(Double usd, double ms) {
    this.cacheSavedUsd = usd;
    this.cacheSavedMs = ms;
  }

  public String outcome() {
    return outcome;
  }

  /** The error class label ({@code timeout}, {@code invalid_request}, ...), null on success. */
  public String errorClass() {
    return errorClass;
  }

  public String upstreamModel() {
    return upstreamModel;
  }

  public void upstreamModel(String upstreamModel) {
    this.upstreamModel = upstreamModel;
  }

  public String systemFingerprint() {
    return systemFingerprint;
  }

  /** The detected language of the last user message; null when no language rule asked for it. */
  public String language() {
    return language;
  }

  public void language(String language) {
    this.language = language;
  }

  /**
   * Why the plan is ordered as it is (strategy, window, deciding figures); null before planning.
   */
  /** Client headers of the door's format, sent only on a passed-through attempt. */
  public java.util.Map<String, String> passThroughHeaders() {
    return passThroughHeaders;
  }

  public void passThroughHeaders(java.util.Map<String, String> headers) {
    this.passThroughHeaders = headers;
  }

  public String routeReason() {
    return routeReason;
  }

  public void routeReason(String routeReason) {
    this.routeReason = routeReason;
  }

  /** The consumer whose key authenticated the request, or null when none was required. */
  public String consumerName() {
    return consumerName;
  }

  /** The identified consumer's labels (empty without a consumer). */
  public Map<String, String> consumerLabels() {
    return consumerLabels;
  }

  /**
   * Asks the stream relay to count the answer text it relays, so a stream that ends without usage
   * is accounted with what it relayed: every stream relayed from an upstream (not a cached one,
   * which costs nothing). An event passed through unparsed is counted by the decoder's
   * well-formedness check, any other read by a few lookups from the tree the decoder built ({@code
   * StreamEventFacts.answerChars}).
   */
  public void countStreamedText() {
    this.countStreamedText = true;
  }

  public boolean countsStreamedText() {
    return countStreamedText;
  }

  /**
   * Characters of answer text (content, reasoning, refusal, tool-call names and arguments): what a
   * stream relayed so far while counted ({@link #countStreamedText}), or a whole answer's when it
   * came without usage (only then is it read for them). What an answer without usage is estimated
   * from.
   */
  public long answerChars() {
    return answerChars;
  }

  public void addAnswerChars(long chars) {
    this.answerChars += chars;
  }

  /** Records who the request is from (its name and labels; never its key). */
  public void consumer(String name, Map<String, String> labels) {
    this.consumerName = name;
    this.consumerLabels = labels == null ? Map.of() : labels;
  }

  public void systemFingerprint(String systemFingerprint) {
    this.systemFingerprint = systemFingerprint;
  }

  /** Marks the first token as having arrived now (only the first call counts). */
  public void firstToken() {
    if (firstTokenNanos == null) {
      firstTokenNanos = clock.nanoTime();
    }
  }

  /** Whether the overall deadline has passed. */
  public boolean deadlinePassed() {
    return deadlineNanos != 0 && clock.nanoTime() >= deadlineNanos;
  }

  /** Time to first token in milliseconds, or null when no token arrived. */
  public Double ttftMs() {
    return firstTokenNanos == null ? null : (firstTokenNanos - startNanos) / 1e6;
  }

  /** Time from first token to end in seconds, or null. */
  public Double generationSeconds() {
    return firstTokenNanos == null || endNanos == null ? null : (endNanos - firstTokenNanos) / 1e9;
  }

  public double durationSeconds() {
    return ((endNanos == null ? clock.nanoTime() : endNanos) - startNanos) / 1e9;
  }

  public TokenUsage usage() {
    return usage;
  }

  public void usage(TokenUsage usage) {
    this.usage = usage;
  }

  /**
   * The estimate an answer that came without the provider's usage was accounted with (null
   * otherwise): the request log writes its tokens, marked {@code usage_estimated}, and its cost is
   * in the cost metric apart as well. Never {@link #usage()}, which is what the provider reported
   * and what the token metric and the observed token mix count.
   */
  public TokenUsage estimatedUsage() {
    return estimatedUsage;
  }

  /**
   * Records the estimate of an answer without usage and what it cost ({@code costUsd}: what its
   * consumer was charged, never more than was reserved; the estimate's price where nothing was;
   * null for a model without a USD price).
   */
  public void chargedEstimate(TokenUsage estimate, Double costUsd) {
    this.estimatedUsage = estimate;
    this.costUsd = costUsd;
  }

  public Double costUsd() {
    return costUsd;
  }

  public void costUsd(Double costUsd) {
    this.costUsd = costUsd;
  }

  /** What the deterministic contract recorded, null on a route without it. */
  public Determinism determinism() {
    return determinism;
  }

  public void determinism(Determinism determinism) {
    this.determinism = determinism;
  }

  public String finishReason() {
    return finishReason;
  }

  public void finishReason(String finishReason) {
    this.finishReason = finishReason;
  }

  /** Whether the answer was a refusal (see {@link Refusals}). */
  public boolean refused() {
    return refused;
  }

  public void markRefused() {
    this.refused = true;
  }

  public boolean clientGone() {
    return clientGone;
  }

  /** Registers what to do when the client disconnects (e.g. reset the upstream request). */
  public void onCancel(Runnable action) {
    if (clientGone) {
      action.run();
    } else {
      cancelActions.add(action);
    }
  }

  /** The client went away: runs every cancel action once. */
  public void cancel() {
    if (clientGone) {
      return;
    }
    clientGone = true;
    List<Runnable> actions = List.copyOf(cancelActions);
    cancelActions.clear();
    actions.forEach(Runnable::run);
  }

  /**
   * Bodies for the request log, set only when the route's policy says {@code logging.bodies: full}.
   */
  public void loggedBodies(String request, String response) {
    if (request != null) {
      this.loggedRequestBody = request;
    }
    if (response != null) {
      this.loggedResponseBody = response;
    }
  }

  public String loggedRequestBody() {
    return loggedRequestBody;
  }

  public String loggedResponseBody() {
    return loggedResponseBody;
  }
}
