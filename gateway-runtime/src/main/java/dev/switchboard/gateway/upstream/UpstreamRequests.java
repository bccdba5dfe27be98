package dev.switchboard.gateway.upstream;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.MultiMap;
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
      Set.of(
          "authorization",
          "api-key",
          "x-api-key",
          "x-goog-api-key",
          "content-type",
          "content-length",
          "host",
          "x-request-id");

  private UpstreamRequests() {}

  /** The provider's base URL without a trailing slash (the preset's when the table has none). */
  public static String baseUrl(RoutingTable.Provider provider) {
    String base = provider.baseUrl();
    if (base == null || base.isBlank()) {
      base = provider.providerKind().defaultBaseUrl().orElseThrow();
    }
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  /** The absolute URL of an operation for a target model (the path is the adapter's). */
  public static String url(RoutingTable.Provider provider, String model, Operation operation) {
    return baseUrl(provider) + path(provider, model, operation);
  }

  /** What {@link #url} appends to the base URL: the provider adapter's path and query. */
  public static String path(RoutingTable.Provider provider, String model, Operation operation) {
    return UpstreamAdapters.forProvider(provider).path(provider, model, operation);
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
          } else if (provider.providerKind().authStyle() == ProviderKind.AuthStyle.X_API_KEY) {
            into.set("x-api-key", k);
          } else if (provider.providerKind().authStyle() == ProviderKind.AuthStyle.GOOG_API_KEY) {
            into.set("x-goog-api-key", k);
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
