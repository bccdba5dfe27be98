package dev.switchboard.operator.render;

import dev.switchboard.api.v1alpha1.Backoff;
import dev.switchboard.api.v1alpha1.CacheSpec;
import dev.switchboard.api.v1alpha1.CircuitBreakerSpec;
import dev.switchboard.api.v1alpha1.Embedder;
import dev.switchboard.api.v1alpha1.ExactCache;
import dev.switchboard.api.v1alpha1.HealthCheck;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.PriceWindow;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.RetrySpec;
import dev.switchboard.api.v1alpha1.RouteRule;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.api.v1alpha1.RoutingPolicySpec;
import dev.switchboard.api.v1alpha1.SemanticCache;
import dev.switchboard.api.v1alpha1.Timeouts;
import dev.switchboard.contract.ByteSizes;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.EmbedderRef;
import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingDefaults;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pure functions from custom resources to routing-table records: durations become milliseconds,
 * provider defaults come from {@link ProviderKind}, lists and maps are sorted so that equal inputs
 * give byte-identical canonical output. No clocks, no randomness, no I/O.
 */
public final class RoutingTableRenderer {

  private RoutingTableRenderer() {}

  /** The table of a namespace from already-rendered parts, sorted. */
  public static RoutingTable table(
      String namespace,
      Collection<RoutingTable.Provider> providers,
      Collection<RoutingTable.Policy> policies,
      Collection<RoutingTable.Route> routes) {
    Map<String, RoutingTable.Provider> providerMap = new TreeMap<>();
    providers.forEach(p -> providerMap.put(p.name(), p));
    Map<String, RoutingTable.Policy> policyMap = new TreeMap<>();
    policies.forEach(p -> policyMap.put(p.name(), p));
    List<RoutingTable.Route> sortedRoutes = new ArrayList<>(routes);
    sortedRoutes.sort(Comparator.comparing(RoutingTable.Route::name));
    return new RoutingTable(
        RoutingTable.SCHEMA_VERSION,
        null,
        namespace,
        providerMap,
        policyMap,
        List.copyOf(sortedRoutes));
  }

  /** A provider entry; {@code hasKey} says whether the keys Secret holds a key for it. */
  public static RoutingTable.Provider provider(ProviderEndpoint endpoint, boolean hasKey) {
    ProviderEndpointSpec spec = endpoint.getSpec();
    ProviderKind kind =
        ProviderKind.fromWireName(spec.getProvider()).orElse(ProviderKind.OPENAI_COMPATIBLE);
    String apiVersion = spec.getApiVersion();
    if (apiVersion == null && kind == ProviderKind.AZURE_OPENAI) {
      apiVersion = ProviderKind.DEFAULT_AZURE_API_VERSION;
    }
    Timeouts declared = spec.getTimeouts();
    RoutingTable.Timeouts timeouts =
        declared == null
            ? null
            : new RoutingTable.Timeouts(
                cappedDefault(
                    declared.getConnect(),
                    Timeouts.DEFAULT_CONNECT,
                    declared.getTotal(),
                    Timeouts.DEFAULT_TOTAL),
                cappedDefault(
                    declared.getFirstToken(),
                    Timeouts.DEFAULT_FIRST_TOKEN,
                    declared.getTotal(),
                    Timeouts.DEFAULT_TOTAL),
                Durations.toMillisOrNull(declared.getTotal()),
                Durations.toMillisOrNull(declared.getStreamIdle()));
    RoutingTable.Quota quota =
        spec.getQuota() == null
            ? null
            : new RoutingTable.Quota(
                spec.getQuota().getRequestsPerMinute(), spec.getQuota().getTokensPerMinute());
    RoutingTable.HealthCheck health =
        spec.getHealthCheck() == null
            ? null
            : new RoutingTable.HealthCheck(
                Durations.toMillisOrNull(spec.getHealthCheck().getInterval()),
                cappedDefault(
                    spec.getHealthCheck().getTimeout(),
                    HealthCheck.DEFAULT_TIMEOUT,
                    spec.getHealthCheck().getInterval(),
                    HealthCheck.DEFAULT_INTERVAL),
                spec.getHealthCheck().getUnhealthyThreshold(),
                spec.getHealthCheck().getHealthyThreshold());
    Map<String, RoutingTable.Model> models = new TreeMap<>();
    if (spec.getModels() != null) {
      for (ProviderModel model : spec.getModels()) {
        models.put(model.getName(), model(model));
      }
    }
    return new RoutingTable.Provider(
        endpoint.getMetadata().getName(),
        kind.wireName(),
        stripTrailingSlash(ProviderEndpointValidator.effectiveBaseUrl(spec).orElseThrow()),
        hasKey,
        apiVersion,
        spec.getHeaders() == null ? null : new TreeMap<>(spec.getHeaders()),
        timeouts,
        spec.getMaxConcurrency(),
        ByteSizes.toBytesOrNull(spec.getMaxResponseSize()),
        quota,
        health,
        models,
        spec.getConcurrencyScope(),
        commitment(spec.getCommitment()),
        apiKeyHeader(spec.getApiKeyHeader()));
  }

  private static RoutingTable.ApiKeyHeader apiKeyHeader(
      dev.switchboard.api.v1alpha1.ApiKeyHeader header) {
    return header == null
        ? null
        : new RoutingTable.ApiKeyHeader(header.getName(), header.getPrefix());
  }

  private static RoutingTable.Commitment commitment(
      dev.switchboard.api.v1alpha1.Commitment commitment) {
    return commitment == null
        ? null
        : new RoutingTable.Commitment(
            commitment.getTokensPerMonth(), commitment.getSpendPerMonth());
  }

  private static RoutingTable.Model model(ProviderModel model) {
    RoutingTable.Pricing pricing =
        model.getPricing() == null
            ? null
            : new RoutingTable.Pricing(
                model.getPricing().getInputPerMillionTokens(),
                model.getPricing().getOutputPerMillionTokens(),
                model.getPricing().getCachedInputPerMillionTokens(),
                model.getPricing().getCurrency(),
                priceWindows(model.getPricing().getWindows()),
                commitment(model.getPricing().getCommitment()),
                model.getPricing().getCacheWriteInputPerMillionTokens());
    RoutingTable.Lifecycle lifecycle =
        model.getLifecycle() == null
            ? null
            : new RoutingTable.Lifecycle(
                model.getLifecycle().getDeprecatedAfter(),
                model.getLifecycle().getRetiredAfter(),
                model.getLifecycle().getSuccessor());
    List<String> capabilities =
        model.getCapabilities() == null ? null : model.getCapabilities().stream().sorted().toList();
    return new RoutingTable.Model(
        capabilities, model.getContextWindow(), pricing, lifecycle, model.getMaxConcurrency());
  }

  /** The windows in spec order (first match wins), null when there are none. */
  private static List<RoutingTable.PriceWindow> priceWindows(List<PriceWindow> windows) {
    if (windows == null || windows.isEmpty()) {
      return null;
    }
    return windows.stream()
        .map(
            w ->
                new RoutingTable.PriceWindow(
                    w.getName(),
                    w.getDays(),
                    w.getFrom(),
                    w.getTo(),
                    w.getTimeZone(),
                    w.getInputPerMillionTokens(),
                    w.getOutputPerMillionTokens(),
                    w.getCachedInputPerMillionTokens(),
                    w.getCacheWriteInputPerMillionTokens()))
        .toList();
  }

  /** A policy entry. */
  public static RoutingTable.Policy policy(RoutingPolicy policy) {
    RoutingPolicySpec spec = policy.getSpec();
    List<RoutingTable.ScheduleWindow> schedule =
        spec.getSchedule() == null
            ? null
            : spec.getSchedule().stream()
                .map(
                    w ->
                        new RoutingTable.ScheduleWindow(
                            w.getName(),
                            w.getDays(),
                            w.getFrom(),
                            w.getTo(),
                            w.getTimeZone(),
                            w.getStrategy()))
                .toList();
    List<RoutingTable.RateLimit> rateLimits =
        spec.getRateLimits() == null
            ? null
            : spec.getRateLimits().stream()
                .map(
                    r ->
                        new RoutingTable.RateLimit(
                            r.getKey(), r.getRequestsPerMinute(), r.getTokensPerMinute()))
                .toList();
    return new RoutingTable.Policy(
        policy.getMetadata().getName(),
        spec.getStrategy() == null ? Strategy.DEFAULT.wireName() : spec.getStrategy(),
        spec.getLatencyObjective() == null
            ? null
            : Durations.toMillisOrNull(spec.getLatencyObjective().getTtftP95()),
        schedule,
        retry(spec.getRetry()),
        spec.getFallback() == null ? null : spec.getFallback().getRequireSameCapabilities(),
        circuitBreaker(spec.getCircuitBreaker()),
        rateLimits,
        cache(spec.getCache()),
        spec.getDeterministic() == null
            ? null
            : new RoutingTable.Deterministic(
                spec.getDeterministic().getEnabled(),
                spec.getDeterministic().getSeed(),
                spec.getDeterministic().getPinTarget(),
                spec.getDeterministic().getRequireSeed()),
        spec.getLogging() == null ? null : spec.getLogging().getBodies(),
        spec.getExploration() == null ? null : spec.getExploration().getShare(),
        spec.getLifecycle() == null ? null : spec.getLifecycle().getOnRetired());
  }

  private static RoutingTable.Retry retry(RetrySpec retry) {
    if (retry == null) {
      return null;
    }
    Backoff backoff = retry.getBackoff();
    return new RoutingTable.Retry(
        retry.getMaxAttempts(),
        backoff == null
            ? null
            : cappedDefault(
                backoff.getInitial(),
                Backoff.DEFAULT_INITIAL,
                backoff.getMax(),
                Backoff.DEFAULT_MAX),
        backoff == null ? null : Durations.toMillisOrNull(backoff.getMax()),
        backoff == null ? null : backoff.getMultiplier(),
        backoff == null ? null : backoff.getJitter(),
        retry.getRetryOn(),
        retry.getRespectRetryAfter(),
        retry.getBudget() == null ? null : retry.getBudget().getRatio(),
        retry.getBudget() == null ? null : retry.getBudget().getMinPerSecond(),
        Durations.toMillisOrNull(retry.getMaxRetryAfter()));
  }

  /**
   * A duration a CEL rule bounds by another field ({@code firstToken} and {@code connect} by {@code
   * total}, a health check's {@code timeout} by its {@code interval}, {@code backoff.initial} by
   * {@code max}). Such a field has no schema default, since the API server applies defaults before
   * the rules and would refuse a spec that sets only a shorter bound; its default is applied here,
   * never above the bound (the bound's own default when it is absent, or zero, which the gateway
   * reads as absent). The rule is the gateway's own fallback for an absent field ({@link
   * RoutingDefaults#cappedMillis}), so the table says what the gateway would do without it.
   */
  static Long cappedDefault(String value, String fallback, String bound, String boundDefault) {
    if (value != null) {
      return Durations.toMillisOrNull(value);
    }
    Long boundMs;
    try {
      boundMs = Durations.toMillisOrNull(bound);
    } catch (IllegalArgumentException e) {
      boundMs = null; // a malformed bound is reported by the validator; its default caps here
    }
    return RoutingDefaults.cappedMillis(fallback, boundMs, boundDefault);
  }

  private static RoutingTable.CircuitBreaker circuitBreaker(CircuitBreakerSpec breaker) {
    if (breaker == null) {
      return null;
    }
    return new RoutingTable.CircuitBreaker(
        breaker.getFailureRateThreshold(),
        Durations.toMillisOrNull(breaker.getSlowCallThreshold()),
        breaker.getMinimumCalls(),
        Durations.toMillisOrNull(breaker.getWindow()),
        Durations.toMillisOrNull(breaker.getOpenFor()));
  }

  private static RoutingTable.Cache cache(CacheSpec cache) {
    if (cache == null) {
      return null;
    }
    ExactCache exact = cache.getExact();
    SemanticCache semantic = cache.getSemantic();
    return new RoutingTable.Cache(
        exact == null ? null : exact.getEnabled(),
        exact == null ? null : Durations.toMillisOrNull(exact.getTtl()),
        exact == null ? null : exact.getMaxEntries(),
        semantic == null ? null : semantic.getEnabled(),
        semantic == null ? null : semantic.getSimilarityThreshold(),
        semantic == null ? null : Durations.toMillisOrNull(semantic.getTtl()),
        semantic == null ? null : semantic.getMaxEntries(),
        semantic == null ? null : embedder(semantic.getEmbedder()),
        cache.getMaxTemperature(),
        semantic == null ? null : semantic.getMessages(),
        cache.getShared(),
        semantic == null ? null : embedderMaxInputTokens(semantic.getEmbedder()));
  }

  /** A provider embedder's stated input limit; null for none, and for the builtin one. */
  private static Integer embedderMaxInputTokens(Embedder embedder) {
    return embedder == null || embedder.getProviderRef() == null
        ? null
        : embedder.getMaxInputTokens();
  }

  /** The embedder in the table's notation ({@link EmbedderRef}), or null for the default. */
  private static String embedder(Embedder embedder) {
    if (embedder == null) {
      return null;
    }
    if (embedder.getProviderRef() != null && embedder.getProviderRef().getName() != null) {
      // Only the provider's name and the model: the gateway takes the key from the provider's
      // entry in the keys Secret, as for every other call to that provider.
      return EmbedderRef.provider(embedder.getProviderRef().getName(), embedder.getModel())
          .notation();
    }
    return embedder.getBuiltin() == null
        ? null
        : EmbedderRef.builtin(embedder.getBuiltin()).notation();
  }

  /**
   * A route entry from the route's own spec; {@code revision} is the resource generation, which the
   * canary planner uses to tell stable from canary.
   */
  public static RoutingTable.Route route(ModelRoute route) {
    ModelRouteSpec spec = route.getSpec();
    List<RoutingTable.Rule> rules =
        spec.getRules() == null
            ? null
            : spec.getRules().stream()
                .map(
                    (RouteRule r) ->
                        new RoutingTable.Rule(
                            r.getMatch().getHeaders() == null
                                ? null
                                : new TreeMap<>(r.getMatch().getHeaders()),
                            r.getTargets() == null ? null : targets(r.getTargets()),
                            r.getMatch().getMetadata() == null
                                ? null
                                : new TreeMap<>(r.getMatch().getMetadata()),
                            r.getStrategy(),
                            r.getMatch().getLanguage() == null
                                ? null
                                : r.getMatch().getLanguage().stream().distinct().sorted().toList()))
                .toList();
    List<String> aliases =
        spec.getAliases() == null ? null : spec.getAliases().stream().sorted().distinct().toList();
    Long generation = route.getMetadata().getGeneration();
    return new RoutingTable.Route(
        route.getMetadata().getName(),
        ModelRouteValidator.modelName(route),
        aliases,
        spec.getPolicyRef() == null ? null : spec.getPolicyRef().getName(),
        generation == null ? 0 : generation,
        targets(spec.getTargets()),
        rules,
        null);
  }

  /**
   * Targets in the user's order (priority ties are broken by that order). A missing weight or
   * priority takes the CRD schema's default (1 and 0), so a server that does not apply schema
   * defaults (the mock API server) renders exactly what a real cluster would.
   */
  static List<RoutingTable.Target> targets(List<RouteTarget> targets) {
    List<RoutingTable.Target> result = new ArrayList<>();
    for (RouteTarget target : targets) {
      result.add(
          new RoutingTable.Target(
              target.getProviderRef().getName(),
              target.getModel(),
              target.getWeight() == null ? DEFAULT_WEIGHT : target.getWeight(),
              target.getPriority() == null ? DEFAULT_PRIORITY : target.getPriority()));
    }
    return result;
  }

  /** The CRD schema's defaults for a target's weight and priority. */
  static final int DEFAULT_WEIGHT = 1;

  static final int DEFAULT_PRIORITY = 0;

  private static String stripTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
