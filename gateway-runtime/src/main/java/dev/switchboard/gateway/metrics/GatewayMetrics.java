package dev.switchboard.gateway.metrics;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.request.TokenUsage;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ReloadResult;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The gateway's Prometheus metrics. Names follow the OpenTelemetry GenAI semantic conventions where
 * one exists ({@code gen_ai.client.operation.duration}, {@code gen_ai.client.token.usage}, {@code
 * gen_ai.server.time_to_first_token}, {@code gen_ai.server.time_per_output_token}); the rest are
 * {@code switchboard_*}. Tags are bounded by the routing table (route, provider, target model,
 * canary arm; {@link #NONE} where there is none) plus small fixed sets (operation, outcome, error
 * class, token type): never request ids, users or free text.
 */
public final class GatewayMetrics {

  private final PrometheusMeterRegistry registry;
  private final AtomicReference<String> configVersion = new AtomicReference<>();
  private final Map<TargetKey, TargetMeters> byTarget = new ConcurrentHashMap<>();

  /**
   * A native Prometheus info metric, because Micrometer strips the {@code _info} suffix of gauges;
   * exposed as {@code switchboard_config_version_info{config_version="sha256:..."} 1}.
   */
  private final Info configVersionInfo;

  public GatewayMetrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder("switchboard_config_loaded", () -> configVersion.get() == null ? 0 : 1)
        .description("1 once a valid routing table is loaded")
        .register(registry);
    configVersionInfo =
        Info.builder()
            .name("switchboard_config_version_info")
            .help("The routing table version this replica serves")
            .labelNames("config_version")
            .register(registry.getPrometheusRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /** Records the outcome of offering a routing document. */
  public void configReload(ReloadResult result) {
    Counter.builder("switchboard_config_reload")
        .description("Routing documents offered to the gateway, by result")
        .tag("result", result.result())
        .register(registry)
        .increment();
    if (result.applied()) {
      // Only the running version is present: a dashboard can count replicas per version.
      configVersionInfo.setLabelValues(result.configVersion());
      configVersion.set(result.configVersion());
    }
  }

  /**
   * Stops exporting what the newly applied {@code table} no longer has: the series of routes gone
   * from it, of targets gone from a route (a model upgraded, a canary arm ended) and of providers
   * gone, with the meters cached for them. Otherwise every route, target and provider a table ever
   * named would stay on {@code /metrics} for the replica's life (each with its duration and token
   * histograms, a hundred-odd series): routes created and deleted over months, or renamed, would
   * grow every scrape without bound. A request of the old table finishing afterwards registers its
   * series again; the next reload removes them. A counter that comes back starts from zero, which
   * Prometheus' {@code rate}/{@code increase} and the operator's canary analysis read as a restart.
   */
  public void retainOnly(RoutingTable table) {
    Set<String> routes = new HashSet<>();
    Set<TargetKey> targets = new HashSet<>();
    for (RoutingTable.Route route : table.routes()) {
      routes.add(route.name());
      for (RoutingTable.Target t : route.everyTarget()) {
        targets.add(new TargetKey(route.name(), t.provider(), t.model(), NONE));
      }
    }
    Set<String> providers = table.providers().keySet();
    Predicate<TargetKey> gone =
        key ->
            key.route().equals(NONE)
                // No route resolved (a stored-response call): kept while its provider stays.
                ? !key.provider().equals(NONE) && !providers.contains(key.provider())
                : !routes.contains(key.route())
                    || !key.provider().equals(NONE)
                        && !targets.contains(
                            new TargetKey(key.route(), key.provider(), key.targetModel(), NONE));
    byTarget.keySet().removeIf(gone);
    cacheMeters.keySet().retainAll(routes);
    // From the registry by their tags, not through the maps: a meter a request registered on
    // meters it had fetched before they were forgotten goes too (at the latest with the next
    // reload), and so do the semantic cache's embedding counters, which no map holds.
    for (Meter meter : List.copyOf(registry.getMeters())) {
      Meter.Id id = meter.getId();
      String route = id.getTag("route");
      if (route == null) {
        continue;
      }
      String provider = id.getTag("provider");
      String model = id.getTag("target_model");
      boolean drop =
          provider == null || model == null
              ? !NONE.equals(route) && !routes.contains(route)
              : gone.test(new TargetKey(route, provider, model, NONE));
      if (drop) {
        registry.remove(meter);
      }
    }
  }

  /** Records the end of one upstream attempt. */
  public void attempt(RequestContext ctx, PlannedTarget target, UpstreamFailure failureOrNull) {
    attempt(ctx, target, failureOrNull == null ? null : failureOrNull.outcomeLabel());
  }

  /**
   * Records the end of one upstream attempt that no failover chain made (a shadow copy).
   *
   * @param failureLabel the failure kind's label, null for a success
   */
  public void attempt(RequestContext ctx, PlannedTarget target, String failureLabel) {
    TargetMeters meters = metersFor(ctx.routeName(), target);
    if (failureLabel == null) {
      meters.attempts("success").increment();
    } else {
      meters.attempts(failureLabel).increment();
      if (!INTERNAL.equals(failureLabel)
          && !UpstreamFailure.DEADLINE_OUTCOME.equals(failureLabel)) {
        // A stream the gateway gave up failed its attempt, but not upstream; nor did one the
        // request's deadline cut short.
        meters.upstreamErrors(failureLabel).increment();
      }
    }
  }

  /**
   * Records a canary target the failover chain passed by ({@code reason}: the skip's label) as an
   * attempt of its arm with that outcome; no upstream error, since the upstream was not called.
   */
  public void skippedAttempt(RequestContext ctx, PlannedTarget target, String reason) {
    metersFor(ctx.routeName(), target).attempts(reason).increment();
  }

  /**
   * Records a request's cache outcome on a caching route and, for a hit, the cost and latency of
   * the original answer it saved.
   */
  public void cache(String route, String outcome, Double savedUsd, double savedMs) {
    CacheMeters meters = cacheMeters.get(route);
    if (meters == null) {
      meters = cacheMeters.computeIfAbsent(route, CacheMeters::new);
    }
    meters.requests(outcome).increment();
    if ("hit".equals(outcome) || "semantic".equals(outcome)) {
      if (savedUsd != null) {
        meters.savedUsd.increment(savedUsd);
      }
      meters.savedSeconds.increment(savedMs / 1000);
    }
  }

  /**
   * The cache meters of one route, registered once (as {@link TargetMeters}: a builder and a
   * registry lookup per request showed in the profile).
   */
  private final class CacheMeters {
    final String route;
    final Map<String, Counter> requests = new ConcurrentHashMap<>();
    final Counter savedUsd;
    final Counter savedSeconds;

    CacheMeters(String route) {
      this.route = route;
      this.savedUsd =
          Counter.builder("switchboard_cache_saved_cost_usd")
              .description("What the answers served from cache cost when they were produced")
              .tag("route", route)
              .register(registry);
      this.savedSeconds =
          Counter.builder("switchboard_cache_saved_seconds")
              .description("How long the answers served from cache took when they were produced")
              .tag("route", route)
              .register(registry);
    }

    Counter requests(String outcome) {
      Counter c = requests.get(outcome);
      return c != null
          ? c
          : requests.computeIfAbsent(
              outcome,
              o ->
                  Counter.builder("switchboard_cache_requests")
                      .description(
                          "Requests on caching routes, by cache outcome (hit, semantic, miss,"
                              + " bypass)")
                      .tag("route", route)
                      .tag("outcome", o)
                      .register(registry));
    }
  }

  private final Map<String, CacheMeters> cacheMeters = new ConcurrentHashMap<>();

  /** Outcome of a semantic cache embedding: a vector. */
  public static final String EMBEDDING_OK = "ok";

  /** Outcome of a semantic cache embedding: it failed, the lookup was a miss. */
  public static final String EMBEDDING_FAILED = "failed";

  /**
   * Outcome of a semantic cache embedding: the text was too long to embed whole (the embedder would
   * truncate it), the request was exact-only.
   */
  public static final String EMBEDDING_TOO_LONG = "too_long";

  /**
   * Records one embedding of the semantic cache: {@code switchboard_cache_embeddings{route,
   * embedder, outcome}} (outcome {@link #EMBEDDING_OK}, {@link #EMBEDDING_FAILED} or {@link
   * #EMBEDDING_TOO_LONG}: the last two made the lookup a miss) and, for a provider model with a USD
   * price, {@code switchboard_cache_embedding_cost_usd{route, embedder}}.
   */
  public void cacheEmbedding(String route, String embedder, String outcome, Double costUsd) {
    Counter.builder("switchboard_cache_embeddings")
        .description(
            "Embeddings of the semantic cache, by embedder and outcome (ok, failed, too_long)")
        .tag("route", route)
        .tag("embedder", embedder)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
    if (costUsd != null) {
      Counter.builder("switchboard_cache_embedding_cost_usd")
          .description("What the semantic cache's provider embeddings cost (usage at list price)")
          .tag("route", route)
          .tag("embedder", embedder)
          .register(registry)
          .increment(costUsd);
    }
  }

  /** Records a finished request (success or error). */
  public void request(RequestContext ctx) {
    PlannedTarget target = ctx.target();
    TargetMeters meters = metersFor(ctx.routeName(), target);
    meters
        .duration(ctx.operationName(), ctx.outcome(), ctx.stream())
        .record((long) (ctx.durationSeconds() * 1e9), TimeUnit.NANOSECONDS);
    if (ctx.errorClass() != null) {
      meters.errors(ctx.errorClass()).increment();
    }
    if (target == null) {
      return;
    }
    if (ctx.shadow()) {
      // A shadow copy answered no client, yet counts in the attempts and durations (the canary
      // analysis needs it there): this says how many of them are copies, for what counts clients.
      meters.shadowCopies().increment();
    }
    Double ttftMs = ctx.ttftMs();
    if (ttftMs != null && ctx.stream()) {
      meters.ttft(ctx.operationName()).record((long) (ttftMs * 1e6), TimeUnit.NANOSECONDS);
    }
    TokenUsage usage = ctx.usage();
    if (usage != null) {
      meters.tokens(TokenType.INPUT).record(usage.inputTokens());
      meters.tokens(TokenType.OUTPUT).record(usage.outputTokens());
      meters.tokens(TokenType.CACHED).record(usage.cachedInputTokens());
      meters.tokens(TokenType.CACHE_READ).record(usage.cachedInputTokens());
      meters.tokens(TokenType.CACHE_CREATION).record(usage.cacheWriteInputTokens());
      Double generation = ctx.generationSeconds();
      if (generation != null && ctx.stream() && usage.outputTokens() > 1) {
        meters
            .timePerOutputToken(ctx.operationName())
            .record((long) (generation * 1e9 / (usage.outputTokens() - 1)), TimeUnit.NANOSECONDS);
      }
    }
    if (ctx.costUsd() != null) {
      meters.cost().increment(ctx.costUsd());
      if (ctx.estimatedUsage() != null) {
        // An answer that came without usage (a whole one a provider reported none for, a stream
        // that ended without it), accounted by estimate: in the cost above (as in a consumer's
        // spend), and apart here, since no provider reported it. Its tokens are no reported usage,
        // so gen_ai.client.token.usage leaves them out.
        meters.estimatedCost().increment(ctx.costUsd());
      }
    }
    if ("content_filter".equals(ctx.finishReason()) || ctx.refused()) {
      meters.refusals().increment();
    }
  }

  /**
   * The meters of one target tag set. Building a meter through {@code builder(..).register()} costs
   * a tag sort, an id and a registry lookup per call, which showed up as per-request waste in the
   * profile; the routing table bounds the tag sets, so caching them costs little memory.
   */
  private TargetMeters metersFor(String route, PlannedTarget target) {
    TargetKey key =
        target == null
            ? new TargetKey(route, NONE, NONE, NONE)
            : new TargetKey(route, target.provider().name(), target.target().model(), target.arm());
    TargetMeters meters = byTarget.get(key);
    return meters != null ? meters : byTarget.computeIfAbsent(key, TargetMeters::new);
  }

  /**
   * The label value of an absent dimension: the route of a request that resolved none, and the
   * provider, target model and arm of one that reached no target. One value for all of them, the
   * name no route, provider or arm can take ({@link RequestContext#NO_ROUTE}).
   */
  public static final String NONE = RequestContext.NO_ROUTE;

  /**
   * The counter of shadow canary copies (exported as {@code switchboard_shadow_copies_total}, per
   * target): a series appears with a route's first copy, so only while a shadow canary runs.
   */
  public static final String SHADOW_COPIES = "switchboard_shadow_copies";

  private static final String INTERNAL = FailureKind.INTERNAL.label();

  private record TargetKey(String route, String provider, String targetModel, String arm) {}

  private record DurationKey(String operation, String outcome, boolean stream) {}

  /**
   * The values of the {@code gen_ai.token.type} tag, in the order requests record them. {@code
   * input} and {@code output} are the convention's own values ({@code input} counts cache reads and
   * writes too); the prompt-cache subsets of {@code input} are named after the convention's {@code
   * gen_ai.usage.cache_read.input_tokens} and {@code gen_ai.usage.cache_creation.input_tokens},
   * which have no token type of their own. {@code cached} is the older name of {@code cache_read},
   * kept (the same values) so the queries written for it go on working.
   */
  private enum TokenType {
    INPUT("input"),
    OUTPUT("output"),
    CACHED("cached"),
    CACHE_READ("cache_read"),
    CACHE_CREATION("cache_creation");

    private final String label;

    TokenType(String label) {
      this.label = label;
    }
  }

  /**
   * Meters sharing one (route, provider, target_model, arm) tag set. Meters are registered lazily,
   * on first use, so the exposition shows exactly the series the uncached code showed. Two threads
   * racing to register the same meter is harmless: the registry returns the same instance to both.
   */
  private final class TargetMeters {

    private final Tags tags;
    private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<String, Counter> upstreamErrors = new ConcurrentHashMap<>();
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private final Map<DurationKey, Timer> durations = new ConcurrentHashMap<>();
    private final DistributionSummary[] tokens = new DistributionSummary[TokenType.values().length];
    private final Map<String, Timer> ttfts = new ConcurrentHashMap<>();
    private final Map<String, Timer> timesPerOutputToken = new ConcurrentHashMap<>();
    private volatile Counter cost;
    private volatile Counter estimatedCost;
    private volatile Counter refusals;
    private volatile Counter shadowCopies;

    TargetMeters(TargetKey key) {
      this.tags =
          Tags.of(
              "route", key.route(),
              "provider", key.provider(),
              "target_model", key.targetModel(),
              "arm", key.arm());
    }

    Counter attempts(String outcome) {
      return cached(
          attempts,
          outcome,
          o ->
              Counter.builder("switchboard_upstream_attempts")
                  .description("Upstream attempts by target and outcome")
                  .tags(tags)
                  .tag("outcome", o)
                  .register(registry));
    }

    Counter upstreamErrors(String errorClass) {
      return cached(
          upstreamErrors,
          errorClass,
          c ->
              Counter.builder("switchboard_upstream_errors")
                  .description("Failed upstream attempts by error class")
                  .tags(tags)
                  .tag("error_class", c)
                  .register(registry));
    }

    Counter errors(String errorClass) {
      return cached(
          errors,
          errorClass,
          c ->
              Counter.builder("switchboard_errors")
                  .description("Requests answered with an error, by class")
                  .tags(tags)
                  .tag("error_class", c)
                  .register(registry));
    }

    Timer duration(String operation, String outcome, boolean stream) {
      return cached(
          durations,
          new DurationKey(operation, outcome, stream),
          k ->
              Timer.builder("gen_ai.client.operation.duration")
                  .description("Duration of gateway requests, from arrival to last byte")
                  .tags(
                      tags.and("operation", k.operation())
                          .and("outcome", k.outcome())
                          .and("stream", Boolean.toString(k.stream())))
                  .publishPercentileHistogram()
                  .maximumExpectedValue(Duration.ofMinutes(10))
                  .register(registry));
    }

    /**
     * The TTFT histogram of {@code operation}, tagged as the request duration is: the operation
     * names are a fixed set (the operations' {@code gen_ai.operation.name} and the stored-response
     * calls'), so the tag multiplies the series by the few operations that stream.
     */
    Timer ttft(String operation) {
      return cached(
          ttfts,
          operation,
          o ->
              Timer.builder("gen_ai.server.time_to_first_token")
                  .description("Time from request arrival to the first streamed token")
                  .tags(tags.and("operation", o))
                  .publishPercentileHistogram()
                  .maximumExpectedValue(Duration.ofMinutes(2))
                  .register(registry));
    }

    /**
     * The time per output token of {@code operation}, tagged as time to first token is (the same
     * fixed set of operation names, cached per target like it), so the two can be read together.
     */
    Timer timePerOutputToken(String operation) {
      return cached(
          timesPerOutputToken,
          operation,
          o ->
              Timer.builder("gen_ai.server.time_per_output_token")
                  .description("Time per output token after the first (the inverse of tokens/s)")
                  .tags(tags.and("operation", o))
                  .publishPercentileHistogram()
                  .maximumExpectedValue(Duration.ofSeconds(10))
                  .register(registry));
    }

    DistributionSummary tokens(TokenType type) {
      // A plain array read may see null from another thread; registering again then returns the
      // meter already registered, so the race only costs a lookup.
      DistributionSummary summary = tokens[type.ordinal()];
      if (summary == null) {
        // Unit and attribute as the OTel convention names them: exported as
        // gen_ai_client_token_usage_tokens{gen_ai_token_type=...}, which the operator's canary
        // analysis reads.
        summary =
            DistributionSummary.builder("gen_ai.client.token.usage")
                .description(
                    "Tokens per request by type (input, output; of input, cache_read and"
                        + " cache_creation)")
                .baseUnit("tokens")
                .tags(tags)
                .tag("gen_ai.token.type", type.label)
                .register(registry);
        tokens[type.ordinal()] = summary;
      }
      return summary;
    }

    Counter cost() {
      Counter counter = cost;
      if (counter == null) {
        counter =
            Counter.builder("switchboard_cost")
                .description("Cost of served requests from the table's prices")
                .baseUnit("usd")
                .tags(tags)
                .register(registry);
        cost = counter;
      }
      return counter;
    }

    /** Registered on the first estimate, so routes without one show no series. */
    Counter estimatedCost() {
      Counter counter = estimatedCost;
      if (counter == null) {
        counter =
            Counter.builder("switchboard_estimated_cost")
                .description(
                    "Of switchboard_cost: answers that came without the provider's usage,"
                        + " accounted by estimate (prompt bytes / 4, answer text / 4)")
                .baseUnit("usd")
                .tags(tags)
                .register(registry);
        estimatedCost = counter;
      }
      return counter;
    }

    Counter refusals() {
      Counter counter = refusals;
      if (counter == null) {
        counter =
            Counter.builder("switchboard_refusals")
                .description(
                    "Refusals: finish_reason content_filter, a refusal in the message or delta,"
                        + " or an answer that opens with a plain-text refusal")
                .tags(tags)
                .register(registry);
        refusals = counter;
      }
      return counter;
    }

    Counter shadowCopies() {
      Counter counter = shadowCopies;
      if (counter == null) {
        counter =
            Counter.builder(SHADOW_COPIES)
                .description(
                    "Shadow canary copies: each is one attempt and one request duration of its"
                        + " arm, but no client request")
                .tags(tags)
                .register(registry);
        shadowCopies = counter;
      }
      return counter;
    }
  }

  /** The meter of {@code key}, registered once; a plain read first keeps the hot path lock-free. */
  private static <K, V> V cached(Map<K, V> meters, K key, Function<K, V> register) {
    V meter = meters.get(key);
    return meter != null ? meter : meters.computeIfAbsent(key, register);
  }
}
