package dev.switchboard.gateway.upstream;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import io.vertx.core.MultiMap;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the URL and headers of an upstream call from a provider's preset: where to send it, how
 * the key is presented, which static headers go along. Client headers are never copied wholesale:
 * only the request id travels, so a client's {@code Authorization} can never leak upstream.
 */
public final class UpstreamRequests {

  /** Static provider headers that must never override what the gateway sets itself. */
  private static final Set<String> RESERVED =
      Set.of("authorization", "api-key", "content-type", "content-length", "host", "x-request-id");

  private UpstreamRequests() {}

  /** The provider's base URL without a trailing slash (the preset's when the table has none). */
  public static String baseUrl(RoutingTable.Provider provider) {
    String base = provider.baseUrl();
    if (base == null || base.isBlank()) {
      base = provider.providerKind().defaultBaseUrl().orElseThrow();
    }
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  /**
   * The absolute URL of an operation for a target model. Azure OpenAI addresses deployments by name
   * in the path and needs an {@code api-version}; every other preset is OpenAI-shaped.
   */
  public static String url(RoutingTable.Provider provider, String model, Operation operation) {
    return baseUrl(provider) + path(provider, model, operation);
  }

  /** What {@link #url} appends to the base URL: the operation's path and query. */
  public static String path(RoutingTable.Provider provider, String model, Operation operation) {
    if (provider.providerKind() == ProviderKind.AZURE_OPENAI) {
      String apiVersion =
          provider.apiVersion() == null
              ? ProviderKind.DEFAULT_AZURE_API_VERSION
              : provider.apiVersion();
      return "/openai/deployments/"
          + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20")
          + operation.path()
          + "?api-version="
          + URLEncoder.encode(apiVersion, StandardCharsets.UTF_8);
    }
    return operation.path();
  }

  /**
   * Whether the provider accepts {@code stream_options} (the gateway adds {@code include_usage} to
   * measure tokens of streams). Mistral rejects unknown fields (422) and reports usage in its last
   * chunk anyway; every other preset, and vLLM/Ollama, accept it.
   */
  public static boolean acceptsStreamOptions(RoutingTable.Provider provider) {
    return provider.providerKind() != ProviderKind.MISTRAL;
  }

  /** Writes auth, static, content and tracing headers of an upstream call into {@code into}. */
  public static void headers(
      RoutingTable.Provider provider,
      Optional<String> key,
      String requestId,
      boolean stream,
      MultiMap into) {
    provider
        .headers()
        .forEach(
            (name, value) -> {
              if (!RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                into.set(name, value);
              }
            });
    key.ifPresent(
        k -> {
          if (provider.providerKind().authStyle() == ProviderKind.AuthStyle.API_KEY_HEADER) {
            into.set("api-key", k);
          } else {
            into.set("Authorization", "Bearer " + k);
          }
        });
    into.set("Content-Type", "application/json");
    into.set("Accept", stream ? "text/event-stream" : "application/json");
    into.set("x-request-id", requestId);
    into.set("User-Agent", "switchboard-gateway");
  }
}
