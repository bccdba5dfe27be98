package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.ByteSizes;
import dev.switchboard.contract.ProviderKind;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Desired state of a ProviderEndpoint: one upstream provider account. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.baseUrl) || !(self.provider in ['azure-openai', 'openai-compatible'])",
    message = "baseUrl is required for azure-openai and openai-compatible providers")
@ValidationRule(
    value = "!has(self.apiVersion) || self.provider == 'azure-openai'",
    message = "apiVersion applies only to provider azure-openai")
@ValidationRule(
    value = "!has(self.apiKeyHeader) || has(self.apiKeySecretRef)",
    message = "apiKeyHeader names the header of the key in apiKeySecretRef, which is missing")
public class ProviderEndpointSpec {

  @JsonPropertyDescription(
      "Provider kind: openai, azure-openai, anthropic, gemini, mistral, deepseek, qwen or openai-compatible.")
  @Required
  @SchemaFrom(type = ProviderKind.class)
  private String provider;

  @JsonPropertyDescription(
      "Base URL of the provider's API (http or https, no user-info). Defaults to the provider's public URL; required for azure-openai and openai-compatible.")
  @Pattern(SchemaPatterns.HTTP_URL)
  @Size(max = 2048)
  @ValidationRule(
      value = "isURL(self) && url(self).getScheme() in ['http', 'https']",
      message = "baseUrl must be an http or https URL")
  @ValidationRule(
      value = "!self.matches('^[a-zA-Z]+://[^/]*@')",
      message = "baseUrl must not contain user-info; put credentials in apiKeySecretRef")
  private String baseUrl;

  @JsonPropertyDescription(
      "Azure OpenAI API version; only for provider azure-openai (unset: 2024-10-21). A dated"
          + " version (YYYY-MM-DD or YYYY-MM-DD-preview) is sent as the api-version query"
          + " parameter on the deployment path (/openai/deployments/{model}/...); v1 or preview"
          + " selects Azure's v1 API instead (/openai/v1/..., the deployment in the body's model;"
          + " preview adds ?api-version=preview).")
  @Pattern(SchemaPatterns.AZURE_API_VERSION)
  @Size(max = 32)
  private String apiVersion;

  @JsonPropertyDescription(
      "Secret key holding the API key; omit for keyless self-hosted endpoints.")
  private SecretKeyRef apiKeySecretRef;

  @JsonPropertyDescription(
      "Send the key in this header instead of the provider's own (Authorization: Bearer for"
          + " openai, api-key for azure-openai, ...), for upstreams behind an API gateway such as"
          + " Azure API Management (Ocp-Apim-Subscription-Key) or Kong (apikey). Needs"
          + " apiKeySecretRef.")
  private ApiKeyHeader apiKeyHeader;

  @JsonPropertyDescription(
      "When to ask for a key rotation: KeyRotationDue turns True (Warning event) once the key in"
          + " apiKeySecretRef is older than maxAge, counted from when the operator first saw it.")
  private KeyRotation keyRotation;

  @JsonPropertyDescription(
      "Static, non-secret extra headers sent upstream (e.g. OpenAI-Organization). Credential headers (Authorization, api-key, Ocp-Apim-Subscription-Key, ...) are rejected: keys belong in apiKeySecretRef, sent under another name with apiKeyHeader.")
  @Size(max = 16)
  @ValidationRule(
      value =
          "!['authorization', 'Authorization', 'AUTHORIZATION', 'api-key', 'Api-Key', 'API-KEY', 'x-api-key', 'X-Api-Key', 'X-API-KEY', 'x-goog-api-key', 'X-Goog-Api-Key', 'X-GOOG-API-KEY'].exists(h, h in self)",
      message = "credential headers are not allowed here; use apiKeySecretRef")
  @ValidationRule(
      value = "self.all(k, k.size() >= 1 && k.size() <= 128)",
      message = "header names must have 1 to 128 characters")
  private Map<String, @Size(max = 1024) String> headers;

  @JsonPropertyDescription("The timeout budget of one attempt.")
  @Default("{}")
  private Timeouts timeouts;

  @JsonPropertyDescription(
      "In-flight requests to this endpoint (bulkhead); per gateway replica unless concurrencyScope"
          + " is global. Each model may set its own maxConcurrency as well; both apply.")
  @Min(1)
  @Max(100000)
  private Integer maxConcurrency;

  @JsonPropertyDescription(
      "Where maxConcurrency (of the endpoint and its models) is counted: replica (default: each"
          + " gateway replica on its own) or global (across all replicas, as leases in the"
          + " gateway's shared state store; without a store, per replica).")
  @Pattern("^(replica|global)$")
  @Size(max = 7)
  @Default("replica")
  private String concurrencyScope;

  @JsonPropertyDescription(
      "Largest non-streamed answer (JSON body, including error bodies) the gateway reads from this"
          + " endpoint; a larger one fails the attempt as a bad answer, which fails over. Streamed"
          + " answers are relayed with back-pressure and not limited. A size such as `512Ki`,"
          + " `64Mi`, `1Gi` or plain bytes; the gateway's default is `64Mi`.")
  @Pattern(ByteSizes.PATTERN)
  @Size(max = 16)
  private String maxResponseSize;

  @JsonPropertyDescription("Provider limits the gateway must stay under.")
  private Quota quota;

  @JsonPropertyDescription("Active health checking of the endpoint.")
  @Default("{}")
  private HealthCheck healthCheck;

  @JsonPropertyDescription(
      "Prepaid committed-use spend of the whole endpoint per calendar month (UTC), e.g. an"
          + " account-wide contract: spendPerMonth worth of usage of any of its models, each at its"
          + " own prices. A model's own pricing.commitment is drawn on first; what it does not"
          + " cover draws on this one. least-cost and cost-latency treat the endpoint's models as"
          + " free until the month's use reaches it.")
  @ValidationRule(
      value = "has(self.spendPerMonth)",
      message =
          "an endpoint commitment gives spendPerMonth (tokens of different models are not worth"
              + " the same); put tokensPerMonth on a model's pricing.commitment")
  private Commitment commitment;

  @JsonPropertyDescription(
      "Models this endpoint serves. When empty, any model id is passed through.")
  @Size(max = 128)
  @ValidationRule(
      value = "self.all(m, self.exists_one(n, n.name == m.name))",
      message = "model names must be unique")
  private List<ProviderModel> models;

  public String getProvider() {
    return provider;
  }

  public Commitment getCommitment() {
    return commitment;
  }

  public void setCommitment(Commitment commitment) {
    this.commitment = commitment;
  }

  public void setProvider(String provider) {
    this.provider = provider;
  }

  public String getBaseUrl() {
    return baseUrl;
  }

  public void setBaseUrl(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  public String getApiVersion() {
    return apiVersion;
  }

  public void setApiVersion(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  public SecretKeyRef getApiKeySecretRef() {
    return apiKeySecretRef;
  }

  public void setApiKeySecretRef(SecretKeyRef apiKeySecretRef) {
    this.apiKeySecretRef = apiKeySecretRef;
  }

  public ApiKeyHeader getApiKeyHeader() {
    return apiKeyHeader;
  }

  public void setApiKeyHeader(ApiKeyHeader apiKeyHeader) {
    this.apiKeyHeader = apiKeyHeader;
  }

  public KeyRotation getKeyRotation() {
    return keyRotation;
  }

  public void setKeyRotation(KeyRotation keyRotation) {
    this.keyRotation = keyRotation;
  }

  public Map<String, String> getHeaders() {
    return headers;
  }

  public void setHeaders(Map<String, String> headers) {
    this.headers = headers;
  }

  public Timeouts getTimeouts() {
    return timeouts;
  }

  public void setTimeouts(Timeouts timeouts) {
    this.timeouts = timeouts;
  }

  public String getConcurrencyScope() {
    return concurrencyScope;
  }

  public void setConcurrencyScope(String concurrencyScope) {
    this.concurrencyScope = concurrencyScope;
  }

  public Integer getMaxConcurrency() {
    return maxConcurrency;
  }

  public void setMaxConcurrency(Integer maxConcurrency) {
    this.maxConcurrency = maxConcurrency;
  }

  public String getMaxResponseSize() {
    return maxResponseSize;
  }

  public void setMaxResponseSize(String maxResponseSize) {
    this.maxResponseSize = maxResponseSize;
  }

  public Quota getQuota() {
    return quota;
  }

  public void setQuota(Quota quota) {
    this.quota = quota;
  }

  public HealthCheck getHealthCheck() {
    return healthCheck;
  }

  public void setHealthCheck(HealthCheck healthCheck) {
    this.healthCheck = healthCheck;
  }

  public List<ProviderModel> getModels() {
    return models;
  }

  public void setModels(List<ProviderModel> models) {
    this.models = models;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ProviderEndpointSpec)) {
      return false;
    }
    ProviderEndpointSpec that = (ProviderEndpointSpec) o;
    return Objects.equals(provider, that.provider)
        && Objects.equals(baseUrl, that.baseUrl)
        && Objects.equals(apiVersion, that.apiVersion)
        && Objects.equals(apiKeySecretRef, that.apiKeySecretRef)
        && Objects.equals(apiKeyHeader, that.apiKeyHeader)
        && Objects.equals(headers, that.headers)
        && Objects.equals(timeouts, that.timeouts)
        && Objects.equals(maxConcurrency, that.maxConcurrency)
        && Objects.equals(concurrencyScope, that.concurrencyScope)
        && Objects.equals(maxResponseSize, that.maxResponseSize)
        && Objects.equals(quota, that.quota)
        && Objects.equals(healthCheck, that.healthCheck)
        && Objects.equals(models, that.models)
        && Objects.equals(keyRotation, that.keyRotation)
        && Objects.equals(commitment, that.commitment);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        provider,
        baseUrl,
        apiVersion,
        apiKeySecretRef,
        apiKeyHeader,
        headers,
        timeouts,
        maxConcurrency,
        concurrencyScope,
        maxResponseSize,
        quota,
        healthCheck,
        models,
        keyRotation,
        commitment);
  }

  @Override
  public String toString() {
    return "ProviderEndpointSpec{"
        + "provider="
        + provider
        + ", baseUrl="
        + baseUrl
        + ", apiVersion="
        + apiVersion
        + ", apiKeySecretRef="
        + apiKeySecretRef
        + ", apiKeyHeader="
        + apiKeyHeader
        + ", headers="
        + headers
        + ", timeouts="
        + timeouts
        + ", maxConcurrency="
        + maxConcurrency
        + ", concurrencyScope="
        + concurrencyScope
        + ", maxResponseSize="
        + maxResponseSize
        + ", quota="
        + quota
        + ", healthCheck="
        + healthCheck
        + ", models="
        + models
        + ", keyRotation="
        + keyRotation
        + ", commitment="
        + commitment
        + "}";
  }
}
