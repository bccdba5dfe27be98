package dev.switchboard.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The routing table: the one document the operator renders per namespace and every gateway replica
 * loads. Immutable; maps are sorted by the renderer so that the canonical form (see {@link
 * RoutingTableCodec}) is byte-identical for the same inputs. Durations are milliseconds.
 *
 * <p>Secrets are never part of this document: a provider only says whether it has a key, and the
 * key itself lives under the provider's name in the Secret {@code switchboard-provider-keys}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoutingTable(
    int schemaVersion,
    String configVersion,
    String namespace,
    Map<String, Provider> providers,
    Map<String, Policy> policies,
    List<Route> routes) {

  /** The schema version this code writes and reads. */
  public static final int SCHEMA_VERSION = 1;

  /** Name of the ConfigMap that carries the table. */
  public static final String CONFIG_MAP_NAME = "switchboard-routing";

  /** Key of the table inside the ConfigMap. */
  public static final String CONFIG_MAP_KEY = "routing.json";

  /** Name of the Secret that carries one API key per ProviderEndpoint name. */
  public static final String KEYS_SECRET_NAME = "switchboard-provider-keys";

  /**
   * The name no route or provider may take: the gateway's metrics and logs label a request that
   * resolved no route, or reached no provider, with it. No Kubernetes object name holds '_', so
   * only a hand-written table (file mode) could use it, and its series would be merged with those.
   */
  public static final String RESERVED_NAME = "_none";

  public RoutingTable {
    providers = providers == null ? Map.of() : providers;
    policies = policies == null ? Map.of() : policies;
    routes = routes == null ? List.of() : routes;
  }

  /**
   * The ids ({@code provider/model}) of every target of every route ({@link Route#everyTarget}):
   * what a gateway may still count, measure or hold state for under this table.
   */
  @JsonIgnore
  public java.util.Set<String> everyTargetId() {
    java.util.Set<String> ids = new java.util.HashSet<>();
    routes.forEach(r -> r.everyTarget().forEach(t -> ids.add(t.id())));
    return ids;
  }

  /** The same table with another config version (the codec fills it in). */
  public RoutingTable withConfigVersion(String version) {
    return new RoutingTable(schemaVersion, version, namespace, providers, policies, routes);
  }

  /**
   * One upstream provider account (a ProviderEndpoint).
   *
   * @param maxResponseBytes the largest non-streamed answer the gateway reads from this provider;
   *     null for the gateway's default (64 MiB). Streamed answers flow with back-pressure instead.
   * @param concurrencyScope where {@code maxConcurrency} (endpoint and model) is counted: {@code
   *     replica} (null: each gateway replica on its own) or {@code global} (across replicas, in the
   *     gateway's shared store when it has one)
   * @param commitment prepaid committed-use spend of the whole endpoint per month (null: none):
   *     usage of any of its models not covered by that model's own commitment draws on it
   * @param apiKeyHeader the header the key is sent in instead of the preset's (null: the preset's,
   *     e.g. {@code Authorization: Bearer}); for upstreams behind an API gateway such as Azure API
   *     Management ({@code Ocp-Apim-Subscription-Key})
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Provider(
      String name,
      String kind,
      String baseUrl,
      boolean hasKey,
      String apiVersion,
      Map<String, String> headers,
      Timeouts timeouts,
      Integer maxConcurrency,
      Long maxResponseBytes,
      Quota quota,
      HealthCheck healthCheck,
      Map<String, Model> models,
      String concurrencyScope,
      Commitment commitment,
      ApiKeyHeader apiKeyHeader) {
    /** {@code concurrencyScope} value: caps count across all gateway replicas. */
    public static final String SCOPE_GLOBAL = "global";

    /** {@code concurrencyScope} value: caps count per gateway replica (the default). */
    public static final String SCOPE_REPLICA = "replica";

    // The canonical constructor reads JSON; the shorter ones below are for code only.
    @JsonCreator
    public Provider {
      headers = headers == null ? Map.of() : headers;
      models = models == null ? Map.of() : models;
    }

    /** A provider that sends its key in its preset's header. */
    public Provider(
        String name,
        String kind,
        String baseUrl,
        boolean hasKey,
        String apiVersion,
        Map<String, String> headers,
        Timeouts timeouts,
        Integer maxConcurrency,
        Long maxResponseBytes,
        Quota quota,
        HealthCheck healthCheck,
        Map<String, Model> models,
        String concurrencyScope,
        Commitment commitment) {
      this(
          name,
          kind,
          baseUrl,
          hasKey,
          apiVersion,
          headers,
          timeouts,
          maxConcurrency,
          maxResponseBytes,
          quota,
          healthCheck,
          models,
          concurrencyScope,
          commitment,
          null);
    }

    /** A provider without an endpoint-level commitment. */
    public Provider(
        String name,
        String kind,
        String baseUrl,
        boolean hasKey,
        String apiVersion,
        Map<String, String> headers,
        Timeouts timeouts,
        Integer maxConcurrency,
        Long maxResponseBytes,
        Quota quota,
        HealthCheck healthCheck,
        Map<String, Model> models,
        String concurrencyScope) {
      this(
          name,
          kind,
          baseUrl,
          hasKey,
          apiVersion,
          headers,
          timeouts,
          maxConcurrency,
          maxResponseBytes,
          quota,
          healthCheck,
          models,
          concurrencyScope,
          null);
    }

    /** A provider whose caps count per replica. */
    public Provider(
        String name,
        String kind,
        String baseUrl,
        boolean hasKey,
        String apiVersion,
        Map<String, String> headers,
        Timeouts timeouts,
        Integer maxConcurrency,
        Long maxResponseBytes,
        Quota quota,
        HealthCheck healthCheck,
        Map<String, Model> models) {
      this(
          name,
          kind,
          baseUrl,
          hasKey,
          apiVersion,
          headers,
          timeouts,
          maxConcurrency,
          maxResponseBytes,
          quota,
          healthCheck,
          models,
          null);
    }

    /** Whether the caps are meant to hold across replicas ({@code concurrencyScope: global}). */
    @JsonIgnore
    public boolean globalConcurrency() {
      return SCOPE_GLOBAL.equals(concurrencyScope);
    }

    /** A provider with the default response size limit. */
    public Provider(
        String name,
        String kind,
        String baseUrl,
        boolean hasKey,
        String apiVersion,
        Map<String, String> headers,
        Timeouts timeouts,
        Integer maxConcurrency,
        Quota quota,
        HealthCheck healthCheck,
        Map<String, Model> models) {
      this(
          name,
          kind,
          baseUrl,
          hasKey,
          apiVersion,
          headers,
          timeouts,
          maxConcurrency,
          null,
          quota,
          healthCheck,
          models,
          null);
    }

    /** The provider preset; unknown kinds are treated as generic OpenAI-compatible. */
    @JsonIgnore
    public ProviderKind providerKind() {
      return ProviderKind.fromWireName(kind).orElse(ProviderKind.OPENAI_COMPATIBLE);
    }

    /** Whether the provider declared its models; if not, any model id is accepted. */
    @JsonIgnore
    public boolean listsModels() {
      return !models.isEmpty();
    }

    public Optional<Model> model(String id) {
      return Optional.ofNullable(models.get(id));
    }
  }

  /**
   * The header a provider's key is sent in, replacing its preset's ({@code Authorization: Bearer},
   * {@code api-key}, {@code x-api-key}, {@code x-goog-api-key}), which is then not sent.
   *
   * @param name the header name (an HTTP token; not one the gateway or the connection owns, see
   *     {@link UpstreamHeaders#keyHeaderProblem})
   * @param prefix written before the key (e.g. {@code "Bearer "}); null for the key alone
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ApiKeyHeader(String name, String prefix) {}

  /**
   * The timeout budget of one attempt, in milliseconds. {@code streamIdleMs} is the longest silence
   * allowed between two events of a stream once its response head arrived.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Timeouts(Long connectMs, Long firstTokenMs, Long totalMs, Long streamIdleMs) {}

  /** Provider limits the gateway must stay under. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Quota(Integer requestsPerMinute, Long tokensPerMinute) {}

  /** Active health checking of a provider. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record HealthCheck(
      Long intervalMs, Long timeoutMs, Integer unhealthyThreshold, Integer healthyThreshold) {}

  /**
   * A model a provider serves, with what it can do and what it costs. {@code maxConcurrency} caps
   * the requests in flight to this model (beside the endpoint's cap; both apply); null when unset,
   * so older tables keep their bytes.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Model(
      List<String> capabilities,
      Long contextWindow,
      Pricing pricing,
      Lifecycle lifecycle,
      Integer maxConcurrency) {
    @JsonCreator
    public Model {
      capabilities = capabilities == null ? List.of() : capabilities;
    }

    /** A model without its own concurrency cap. */
    public Model(
        List<String> capabilities, Long contextWindow, Pricing pricing, Lifecycle lifecycle) {
      this(capabilities, contextWindow, pricing, lifecycle, null);
    }
  }

  /**
   * Prices per million tokens, with optional time-of-day prices ({@code windows}, first match wins;
   * null when there are none, so tables without windows keep their bytes) and an optional prepaid
   * {@code commitment} (null when none). {@code cacheWriteInputPerMillionTokens} prices input
   * tokens the provider wrote to its prompt cache (Anthropic's {@code cache_creation_input_tokens},
   * billed above the input price); null when unset: they cost the input price, and older tables
   * keep their bytes.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Pricing(
      Double inputPerMillionTokens,
      Double outputPerMillionTokens,
      Double cachedInputPerMillionTokens,
      String currency,
      List<PriceWindow> windows,
      Commitment commitment,
      Double cacheWriteInputPerMillionTokens) {

    @JsonCreator
    public Pricing {}

    /** Prices without a cache-write price (cache writes cost the input price). */
    public Pricing(
        Double inputPerMillionTokens,
        Double outputPerMillionTokens,
        Double cachedInputPerMillionTokens,
        String currency,
        List<PriceWindow> windows,
        Commitment commitment) {
      this(
          inputPerMillionTokens,
          outputPerMillionTokens,
          cachedInputPerMillionTokens,
          currency,
          windows,
          commitment,
          null);
    }

    /** Prices without a commitment. */
    public Pricing(
        Double inputPerMillionTokens,
        Double outputPerMillionTokens,
        Double cachedInputPerMillionTokens,
        String currency,
        List<PriceWindow> windows) {
      this(
          inputPerMillionTokens,
          outputPerMillionTokens,
          cachedInputPerMillionTokens,
          currency,
          windows,
          null);
    }

    /** List prices without windows. */
    public Pricing(
        Double inputPerMillionTokens,
        Double outputPerMillionTokens,
        Double cachedInputPerMillionTokens,
        String currency) {
      this(
          inputPerMillionTokens,
          outputPerMillionTokens,
          cachedInputPerMillionTokens,
          currency,
          null);
    }

    /** The windows, empty when there are none. */
    @JsonIgnore
    public List<PriceWindow> windowsOrEmpty() {
      return windows == null ? List.of() : windows;
    }
  }

  /**
   * Prepaid committed-use capacity per calendar month (UTC): {@code tokensPerMonth} tokens (input
   * plus output), or {@code spendPerMonth} worth of usage at the serving model's own prices (in its
   * currency). Until the month's usage reaches it, the capacity is already paid for: cost-aware
   * strategies treat it as free; after that the prices apply again. On a model it covers that
   * model; on a provider (spend only) it covers what its models' own commitments do not.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Commitment(Long tokensPerMonth, Double spendPerMonth) {}

  /**
   * Prices that apply inside a recurring local time window (see {@link TimeWindow}); a price left
   * out is the list price's.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PriceWindow(
      String name,
      List<String> days,
      String from,
      String to,
      String timeZone,
      Double inputPerMillionTokens,
      Double outputPerMillionTokens,
      Double cachedInputPerMillionTokens,
      Double cacheWriteInputPerMillionTokens) {

    @JsonCreator
    public PriceWindow {}

    /** A window without a cache-write price (the list price's applies). */
    public PriceWindow(
        String name,
        List<String> days,
        String from,
        String to,
        String timeZone,
        Double inputPerMillionTokens,
        Double outputPerMillionTokens,
        Double cachedInputPerMillionTokens) {
      this(
          name,
          days,
          from,
          to,
          timeZone,
          inputPerMillionTokens,
          outputPerMillionTokens,
          cachedInputPerMillionTokens,
          null);
    }

    /** The window's times, compiled; throws when they are invalid (the validator says why). */
    public TimeWindow window() {
      return TimeWindow.of(name, days, from, to, timeZone);
    }
  }

  /** Model lifecycle dates (ISO dates) and successor. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Lifecycle(String deprecatedAfter, String retiredAfter, String successor) {}

  /** How requests are routed and protected (a RoutingPolicy). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Policy(
      String name,
      String strategy,
      Long latencyObjectiveTtftP95Ms,
      List<ScheduleWindow> schedule,
      Retry retry,
      Boolean requireSameCapabilities,
      CircuitBreaker circuitBreaker,
      List<RateLimit> rateLimits,
      Cache cache,
      Deterministic deterministic,
      String loggingBodies,
      Double explorationShare,
      String onRetired) {
    /** What happens to a target whose model is retired: route to its successor. */
    public static final String ON_RETIRED_SUCCESSOR = "successor";

    /** What happens to a target whose model is retired: it drops out of the route. */
    public static final String ON_RETIRED_REJECT = "reject";

    @JsonCreator
    public Policy {
      schedule = schedule == null ? List.of() : schedule;
      rateLimits = rateLimits == null ? List.of() : rateLimits;
    }

    /** A policy without an exploration share or lifecycle setting (defaults apply). */
    public Policy(
        String name,
        String strategy,
        Long latencyObjectiveTtftP95Ms,
        List<ScheduleWindow> schedule,
        Retry retry,
        Boolean requireSameCapabilities,
        CircuitBreaker circuitBreaker,
        List<RateLimit> rateLimits,
        Cache cache,
        Deterministic deterministic,
        String loggingBodies) {
      this(
          name,
          strategy,
          latencyObjectiveTtftP95Ms,
          schedule,
          retry,
          requireSameCapabilities,
          circuitBreaker,
          rateLimits,
          cache,
          deterministic,
          loggingBodies,
          null,
          null);
    }

    /** A policy with an exploration share and without a lifecycle setting. */
    public Policy(
        String name,
        String strategy,
        Long latencyObjectiveTtftP95Ms,
        List<ScheduleWindow> schedule,
        Retry retry,
        Boolean requireSameCapabilities,
        CircuitBreaker circuitBreaker,
        List<RateLimit> rateLimits,
        Cache cache,
        Deterministic deterministic,
        String loggingBodies,
        Double explorationShare) {
      this(
          name,
          strategy,
          latencyObjectiveTtftP95Ms,
          schedule,
          retry,
          requireSameCapabilities,
          circuitBreaker,
          rateLimits,
          cache,
          deterministic,
          loggingBodies,
          explorationShare,
          null);
    }

    /** Whether a retired target is replaced by its successor ({@code successor}, the default). */
    @JsonIgnore
    public boolean retiredGoToSuccessor() {
      return !ON_RETIRED_REJECT.equals(onRetired);
    }

    /** The strategy the gateway routes by: {@link Strategy#DEFAULT} when none or unknown. */
    @JsonIgnore
    public Strategy strategyOrDefault() {
      return Strategy.orDefault(strategy);
    }

    /** Whether request and response bodies go into the request log (only {@code full}). */
    @JsonIgnore
    public boolean logsBodies() {
      return BodyLogging.logsBodies(loggingBodies);
    }
  }

  /** A time window that overrides the strategy. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ScheduleWindow(
      String name, List<String> days, String from, String to, String timeZone, String strategy) {

    /** The window's times, compiled; throws when they are invalid (the validator says why). */
    public TimeWindow window() {
      return TimeWindow.of(name, days, from, to, timeZone);
    }
  }

  /**
   * Retry settings, including the retry budget. {@code maxRetryAfterMs} caps a provider's
   * Retry-After: both the target's cool-down and what a client is told (null: the gateway's 60 s).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Retry(
      Integer maxAttempts,
      Long backoffInitialMs,
      Long backoffMaxMs,
      Double backoffMultiplier,
      String backoffJitter,
      List<String> retryOn,
      Boolean respectRetryAfter,
      Double budgetRatio,
      Integer budgetMinPerSecond,
      Long maxRetryAfterMs) {}

  /** Circuit breaker settings per target. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CircuitBreaker(
      Integer failureRateThreshold,
      Long slowCallThresholdMs,
      Integer minimumCalls,
      Long windowMs,
      Long openForMs) {}

  /** A client rate limit. {@code key} is api-key, route or header:NAME. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RateLimit(String key, Integer requestsPerMinute, Long tokensPerMinute) {}

  /**
   * Response caching. {@code semanticMessages} is what the semantic cache embeds ({@code last-user}
   * or {@code conversation}); {@code shared} puts the exact cache in the gateway's shared store.
   * {@code semanticEmbedderMaxInputTokens} is the input limit of a provider embedder's model as the
   * policy states it ({@code embedder.maxInputTokens}, 1–{@value #MAX_EMBEDDER_INPUT_TOKENS}); null
   * when it states none (then the gateway's bound for the provider's kind) and in tables of earlier
   * operators. A field of its own, not part of {@code semanticEmbedder}'s notation: a gateway that
   * predates it ignores it (and keeps its own bound), where a longer notation would have been read
   * as part of the model id.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Cache(
      Boolean exactEnabled,
      Long exactTtlMs,
      Integer exactMaxEntries,
      Boolean semanticEnabled,
      Double semanticSimilarityThreshold,
      Long semanticTtlMs,
      Integer semanticMaxEntries,
      String semanticEmbedder,
      Double maxTemperature,
      String semanticMessages,
      Boolean shared,
      Integer semanticEmbedderMaxInputTokens) {

    /** The largest {@code embedder.maxInputTokens} a policy may state. */
    public static final int MAX_EMBEDDER_INPUT_TOKENS = 131_072;

    @JsonCreator
    public Cache {}

    /** A cache block that states no embedder input limit. */
    public Cache(
        Boolean exactEnabled,
        Long exactTtlMs,
        Integer exactMaxEntries,
        Boolean semanticEnabled,
        Double semanticSimilarityThreshold,
        Long semanticTtlMs,
        Integer semanticMaxEntries,
        String semanticEmbedder,
        Double maxTemperature,
        String semanticMessages,
        Boolean shared) {
      this(
          exactEnabled,
          exactTtlMs,
          exactMaxEntries,
          semanticEnabled,
          semanticSimilarityThreshold,
          semanticTtlMs,
          semanticMaxEntries,
          semanticEmbedder,
          maxTemperature,
          semanticMessages,
          shared,
          null);
    }
  }

  /**
   * The deterministic-mode contract (see docs/DETERMINISM.md). {@code requireSeed} was added after
   * the first three fields: an older gateway ignores it (it never enforced this record at all).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Deterministic(Boolean enabled, Long seed, Boolean pinTarget, Boolean requireSeed) {

    /** Whether deterministic mode applies. */
    @JsonIgnore
    public boolean on() {
      return Boolean.TRUE.equals(enabled);
    }

    /** Whether the targets are pinned (the default when absent). */
    @JsonIgnore
    public boolean pinned() {
      return !Boolean.FALSE.equals(pinTarget);
    }

    /** Whether a request without its own seed is refused. */
    @JsonIgnore
    public boolean seedRequired() {
      return Boolean.TRUE.equals(requireSeed);
    }
  }

  /** One logical model name (a ModelRoute) with its resolved targets. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Route(
      String name,
      String model,
      List<String> aliases,
      String policy,
      long revision,
      List<Target> targets,
      List<Rule> rules,
      Canary canary,
      Evaluation evaluation) {
    @JsonCreator
    public Route {
      aliases = aliases == null ? List.of() : aliases;
      targets = targets == null ? List.of() : targets;
      rules = rules == null ? List.of() : rules;
    }

    /** A route without a side-by-side evaluation. */
    public Route(
        String name,
        String model,
        List<String> aliases,
        String policy,
        long revision,
        List<Target> targets,
        List<Rule> rules,
        Canary canary) {
      this(name, model, aliases, policy, revision, targets, rules, canary, null);
    }

    /**
     * Every target the route can send to (or measure): its own, its rules', its canary arm's and
     * its evaluation's candidates, in that order, duplicates kept. What a replica may hold state
     * and metrics for on this route; a target in none of them is gone from the route.
     */
    @JsonIgnore
    public List<Target> everyTarget() {
      List<Target> all = new java.util.ArrayList<>(targets);
      rules.forEach(r -> all.addAll(r.targets()));
      if (canary != null) {
        all.addAll(canary.targets());
        canary.rules().forEach(r -> all.addAll(r.targets()));
      }
      if (evaluation != null) {
        all.addAll(evaluation.candidates());
      }
      return all;
    }

    /** The same route with another canary arm (null: none). */
    public Route withCanary(Canary next) {
      return new Route(name, model, aliases, policy, revision, targets, rules, next, evaluation);
    }

    /** The same route with another evaluation (null: none). */
    public Route withEvaluation(Evaluation next) {
      if (java.util.Objects.equals(evaluation, next)) {
        // The same entry: a large table's render keeps one object per route, not a copy each.
        return this;
      }
      return new Route(name, model, aliases, policy, revision, targets, rules, canary, next);
    }
  }

  /**
   * A side-by-side evaluation in progress: {@code sample} (0..1) of the route's requests are also
   * sent to each candidate, whose answers are measured and never returned. {@code id} names the
   * evaluation (figures are kept per id); {@code untilEpochMs} is when mirroring stops even if the
   * operator has not yet withdrawn it; {@code noMirrorLabel} is the consumer label ({@code
   * name=value}) whose requests are never mirrored. {@code baseline} ({@code provider/model}) is
   * what the candidates are compared with: only requests whose first planned target is it are
   * mirrored, so every pair compares the same two models (null in tables of earlier operators: the
   * first planned target, whatever it is).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Evaluation(
      String id,
      List<Target> candidates,
      double sample,
      Long untilEpochMs,
      String noMirrorLabel,
      String baseline) {

    /**
     * The opt-out label when a route names none (and of automatic evaluations): a key a Consumer
     * can carry ({@link ConsumerTable#LABEL_KEY_PATTERN}), so {@code labels: {evaluation: opt-out}}
     * keeps a consumer's requests out of every evaluation.
     */
    public static final String DEFAULT_NO_MIRROR_LABEL = "evaluation=opt-out";

    /**
     * How often the operator reads every replica's {@code GET /admin/evaluations} while an
     * evaluation runs: the operator collects at this pace, and a stopping replica waits for a read
     * only while one came within it (plus slack).
     */
    public static final long COLLECT_EVERY_MS = 30_000;

    @JsonCreator
    public Evaluation {
      candidates = candidates == null ? List.of() : candidates;
    }

    /** An evaluation without a fixed baseline (compared with the first planned target). */
    public Evaluation(
        String id,
        List<Target> candidates,
        double sample,
        Long untilEpochMs,
        String noMirrorLabel) {
      this(id, candidates, sample, untilEpochMs, noMirrorLabel, null);
    }
  }

  /** A physical target: a model id at a provider. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Target(String provider, String model, int weight, int priority) {
    /** Stable identity used in metrics and headers: {@code provider/model}. */
    @JsonIgnore
    public String id() {
      return provider + "/" + model;
    }
  }

  /**
   * Task-class routing: the first rule whose headers, {@code metadata} body entries and language
   * (of the last user message, {@code matchLanguage}) all match wins. A rule gives targets (empty:
   * the route's own serve), a strategy (null: the policy's), or both. {@code matchMetadata}, {@code
   * strategy} and {@code matchLanguage} are null when unset, so older tables keep their bytes.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Rule(
      Map<String, String> matchHeaders,
      List<Target> targets,
      Map<String, String> matchMetadata,
      String strategy,
      List<String> matchLanguage) {
    @JsonCreator
    public Rule {
      matchHeaders = matchHeaders == null ? Map.of() : matchHeaders;
      targets = targets == null ? List.of() : targets;
    }

    /** A rule without a language condition. */
    public Rule(
        Map<String, String> matchHeaders,
        List<Target> targets,
        Map<String, String> matchMetadata,
        String strategy) {
      this(matchHeaders, targets, matchMetadata, strategy, null);
    }

    /** The ISO 639-1 codes of which the last user message must be written in one, empty: any. */
    @JsonIgnore
    public List<String> matchLanguageOrEmpty() {
      return matchLanguage == null ? List.of() : matchLanguage;
    }

    /** A header-only rule with targets. */
    public Rule(Map<String, String> matchHeaders, List<Target> targets) {
      this(matchHeaders, targets, null, null);
    }

    /** The metadata entries to match, empty when none. */
    @JsonIgnore
    public Map<String, String> matchMetadataOrEmpty() {
      return matchMetadata == null ? Map.of() : matchMetadata;
    }
  }

  /**
   * A canary in progress: {@code weight} percent of requests go to the canary arm ({@code split})
   * or are mirrored to it while stable answers ({@code shadow}). The route's own targets and rules
   * are the stable arm.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Canary(
      String mode, int weight, long revision, List<Target> targets, List<Rule> rules) {
    public Canary {
      targets = targets == null ? List.of() : targets;
      rules = rules == null ? List.of() : rules;
    }

    /** The canary's mode; empty when it is unknown to this build (the canary then gets nothing). */
    @JsonIgnore
    public Optional<CanaryMode> canaryMode() {
      return CanaryMode.fromWire(mode);
    }
  }
}
