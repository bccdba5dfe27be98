package dev.switchboard.operator.providerendpoint;

import dev.switchboard.api.v1alpha1.ApiKeyHeader;
import dev.switchboard.api.v1alpha1.HealthCheck;
import dev.switchboard.api.v1alpha1.ModelLifecycle;
import dev.switchboard.api.v1alpha1.PriceWindow;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.ProviderModel;
import dev.switchboard.api.v1alpha1.Timeouts;
import dev.switchboard.contract.ByteSizes;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.contract.TimeWindow;
import dev.switchboard.contract.UpstreamHeaders;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Semantic checks of a ProviderEndpoint spec that the CRD schema cannot express (or that a cluster
 * without schema validation would let through): the provider kind, the effective base URL and its
 * SSRF guard, durations, unique model names, lifecycle dates and headers that would leak secrets.
 */
public final class ProviderEndpointValidator {

  /** Below this, even an error body would not fit: surely a unit mistake (64 for 64Mi). */
  private static final long MIN_RESPONSE_SIZE = 1024;

  private final UpstreamAddressGuard addressGuard;

  public ProviderEndpointValidator(UpstreamAddressGuard addressGuard) {
    this.addressGuard = addressGuard;
  }

  /** Every problem with the endpoint's spec; empty when it can be rendered. */
  public List<Problem> validate(ProviderEndpoint endpoint) {
    List<Problem> problems = new ArrayList<>();
    ProviderEndpointSpec spec = endpoint.getSpec();
    if (spec == null) {
      problems.add(new Problem(Reason.INVALID_SPEC, "spec is missing"));
      return problems;
    }
    Optional<ProviderKind> kind = ProviderKind.fromWireName(spec.getProvider());
    if (kind.isEmpty()) {
      problems.add(
          new Problem(
              Reason.UNKNOWN_PROVIDER,
              "spec.provider '"
                  + spec.getProvider()
                  + "' is not one of openai, azure-openai, anthropic, gemini, mistral, deepseek,"
                  + " qwen, openai-compatible"));
    }
    Optional<String> baseUrl = effectiveBaseUrl(spec);
    if (baseUrl.isEmpty()) {
      problems.add(
          new Problem(
              Reason.BASE_URL_REQUIRED,
              "spec.baseUrl is required for provider '"
                  + spec.getProvider()
                  + "' (it has no public default endpoint)"));
    } else {
      checkUrlShape(baseUrl.get()).ifPresent(problems::add);
      addressGuard.check(baseUrl.get()).ifPresent(problems::add);
    }
    checkHeaders(spec, problems);
    Timeouts timeouts = spec.getTimeouts();
    if (timeouts != null) {
      checkDuration("spec.timeouts.connect", timeouts.getConnect(), problems);
      checkDuration("spec.timeouts.firstToken", timeouts.getFirstToken(), problems);
      checkDuration("spec.timeouts.total", timeouts.getTotal(), problems);
      checkDuration("spec.timeouts.streamIdle", timeouts.getStreamIdle(), problems);
    }
    if (spec.getMaxResponseSize() != null) {
      try {
        if (ByteSizes.toBytes(spec.getMaxResponseSize()) < MIN_RESPONSE_SIZE) {
          problems.add(
              new Problem(
                  Reason.INVALID_SPEC,
                  "spec.maxResponseSize must be at least 1Ki: no real answer fits in less"));
        }
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(Reason.INVALID_SPEC, "spec.maxResponseSize: " + e.getMessage()));
      }
    }
    HealthCheck health = spec.getHealthCheck();
    if (health != null) {
      checkDuration("spec.healthCheck.interval", health.getInterval(), problems);
      checkDuration("spec.healthCheck.timeout", health.getTimeout(), problems);
    }
    checkModels(spec, problems);
    if (spec.getCommitment() != null
        && (spec.getCommitment().getSpendPerMonth() == null
            || spec.getCommitment().getTokensPerMonth() != null)) {
      // The CRD's CEL rule says the same; an API server without CEL still gets a clear condition.
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              "spec.commitment gives spendPerMonth only (tokens of different models are not worth"
                  + " the same); put tokensPerMonth on a model's pricing.commitment"));
    }
    return problems;
  }

  /** The spec's baseUrl, or the provider's public default when the spec names none. */
  public static Optional<String> effectiveBaseUrl(ProviderEndpointSpec spec) {
    if (spec.getBaseUrl() != null && !spec.getBaseUrl().isBlank()) {
      return Optional.of(spec.getBaseUrl());
    }
    return ProviderKind.fromWireName(spec.getProvider()).flatMap(ProviderKind::defaultBaseUrl);
  }

  private static Optional<Problem> checkUrlShape(String baseUrl) {
    try {
      URI uri = new URI(baseUrl);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        return Optional.of(
            new Problem(
                Reason.INVALID_BASE_URL, "spec.baseUrl must start with http:// or https://"));
      }
      if (uri.getUserInfo() != null) {
        return Optional.of(
            new Problem(
                Reason.INVALID_BASE_URL,
                "spec.baseUrl must not contain credentials; put the key in the Secret named by"
                    + " spec.apiKeySecretRef"));
      }
      if (uri.getQuery() != null || uri.getFragment() != null) {
        return Optional.of(
            new Problem(
                Reason.INVALID_BASE_URL,
                "spec.baseUrl must not have a query or fragment (use spec.apiVersion for Azure)"));
      }
      return Optional.empty();
    } catch (URISyntaxException e) {
      return Optional.of(new Problem(Reason.INVALID_BASE_URL, "spec.baseUrl is not a valid URL"));
    }
  }

  private static void checkHeaders(ProviderEndpointSpec spec, List<Problem> problems) {
    ApiKeyHeader keyHeader = spec.getApiKeyHeader();
    if (keyHeader != null) {
      UpstreamHeaders.keyHeaderProblem(keyHeader.getName(), keyHeader.getPrefix())
          .ifPresent(p -> problems.add(new Problem(Reason.INVALID_SPEC, "spec." + p)));
      if (spec.getApiKeySecretRef() == null) {
        problems.add(
            new Problem(
                Reason.INVALID_SPEC,
                "spec.apiKeyHeader names the header of the key in spec.apiKeySecretRef, which is"
                    + " missing"));
      }
    }
    if (spec.getHeaders() == null) {
      return;
    }
    spec.getHeaders()
        .forEach(
            (name, value) ->
                UpstreamHeaders.problem(name, value)
                    .filter(p -> !UpstreamHeaders.isCredentialHeader(name))
                    .ifPresent(
                        p -> problems.add(new Problem(Reason.INVALID_SPEC, "spec.headers: " + p))));
    for (String name : spec.getHeaders().keySet()) {
      if (UpstreamHeaders.isCredentialHeader(name)) {
        // Refused, not warned about: the value is a key sitting in the routing table ConfigMap
        // (and in Git). Serving goes on meanwhile, from the routes' last good entries.
        problems.add(
            new Problem(
                Reason.CREDENTIAL_IN_HEADERS,
                "spec.headers must not set '"
                    + name
                    + "': credentials belong in the Secret named by spec.apiKeySecretRef; to send"
                    + " that key in this header, set spec.apiKeyHeader.name: "
                    + name));
      } else if (keyHeader != null && name.equalsIgnoreCase(keyHeader.getName())) {
        problems.add(
            new Problem(
                Reason.INVALID_SPEC,
                "spec.headers sets '"
                    + name
                    + "', the header spec.apiKeyHeader sends the key in; remove it from"
                    + " spec.headers"));
      }
    }
  }

  private static void checkModels(ProviderEndpointSpec spec, List<Problem> problems) {
    if (spec.getModels() == null) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (ProviderModel model : spec.getModels()) {
      if (model.getName() == null || model.getName().isBlank()) {
        problems.add(new Problem(Reason.INVALID_SPEC, "every entry of spec.models needs a name"));
        continue;
      }
      if (!seen.add(model.getName())) {
        problems.add(
            new Problem(
                Reason.DUPLICATE_MODEL,
                "spec.models lists '" + model.getName() + "' more than once"));
      }
      if (model.getPricing() != null && model.getPricing().getWindows() != null) {
        checkPriceWindows(model.getName(), model.getPricing().getWindows(), problems);
      }
      ModelLifecycle lifecycle = model.getLifecycle();
      if (lifecycle != null) {
        checkDate(model.getName(), "deprecatedAfter", lifecycle.getDeprecatedAfter(), problems);
        checkDate(model.getName(), "retiredAfter", lifecycle.getRetiredAfter(), problems);
      }
    }
  }

  /**
   * Price windows must compile (real days, times, IANA zones) and must not overlap: with two
   * windows in force their order would decide the price, which nobody reading the list expects.
   */
  private static void checkPriceWindows(
      String model, List<PriceWindow> windows, List<Problem> problems) {
    List<TimeWindow> compiled = new ArrayList<>();
    for (PriceWindow w : windows) {
      try {
        compiled.add(
            TimeWindow.of(w.getName(), w.getDays(), w.getFrom(), w.getTo(), w.getTimeZone()));
      } catch (IllegalArgumentException e) {
        problems.add(
            new Problem(
                Reason.INVALID_SPEC,
                "pricing.windows '"
                    + w.getName()
                    + "' of model '"
                    + model
                    + "': "
                    + e.getMessage()));
      }
    }
    List<String> overlaps = RoutingTableValidator.overlappingPairs(compiled);
    if (!overlaps.isEmpty()) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              "pricing.windows of model '" + model + "' overlap: " + String.join(", ", overlaps)));
    }
  }

  private static void checkDate(String model, String field, String text, List<Problem> problems) {
    if (text == null) {
      return;
    }
    try {
      LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      problems.add(
          new Problem(
              Reason.INVALID_SPEC,
              "lifecycle."
                  + field
                  + " of model '"
                  + model
                  + "' is '"
                  + text
                  + "'; write an ISO date such as 2026-06-01"));
    }
  }

  static void checkDuration(String field, String text, List<Problem> problems) {
    if (text == null) {
      return;
    }
    try {
      Durations.toMillis(text);
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(Reason.INVALID_DURATION, field + ": " + e.getMessage()));
    }
  }
}
