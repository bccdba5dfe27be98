package dev.switchboard.gateway.upstream;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.UpstreamHeaders;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.gateway.routing.PerRecordCache;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
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

  /** Static headers {@link #headers} sends but then overwrites with the gateway's own value. */
  private static final Set<String> OVERWRITTEN = Set.of("accept", "user-agent");

  // Names and fixed values encoded once: a String is hashed and written char by char per call.
  private static final CharSequence API_KEY = HttpHeaders.createOptimized("api-key");
  private static final CharSequence X_API_KEY = HttpHeaders.createOptimized("x-api-key");
  private static final CharSequence GOOG_API_KEY = HttpHeaders.createOptimized("x-goog-api-key");
  private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");
  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
  private static final CharSequence ACCEPT = HttpHeaders.createOptimized("Accept");
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  private static final CharSequence USER_AGENT = HttpHeaders.createOptimized("User-Agent");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
  private static final CharSequence GATEWAY = HttpHeaders.createOptimized("switchboard-gateway");

  /**
   * A provider's own key header name ({@code apiKeyHeader}), encoded once per routing table: the
   * record is the same object for every request until the next reload, so a request looks the
   * encoded name up by identity instead of hashing and writing a String.
   */
  private static final PerRecordCache<RoutingTable.ApiKeyHeader, CharSequence> KEY_HEADER_NAMES =
      new PerRecordCache<>(1024);

  /** {@link #answerHeaders} per provider record: derived once per routing table. */
  private static final PerRecordCache<RoutingTable.Provider, String> ANSWER_HEADERS =
      new PerRecordCache<>(1024);

  private UpstreamRequests() {}

  /**
   * The hex SHA-256 of the static headers ({@code spec.headers}) {@code provider} sends that can
   * change what it answers — names lower-cased, {@code name: value} lines sorted — or the empty
   * string when it sends none. Left out: what {@link #headers} never sends from them ({@link
   * #RESERVED}, and {@code Accept} and {@code User-Agent}, which the gateway sets after them), any
   * header that carries a credential ({@link UpstreamHeaders#isCredentialHeader}) and the
   * provider's own key header ({@code apiKeyHeader}): a key rotation changes no answer, and no
   * credential goes into a cache key, even hashed. Made once per provider record (the same object
   * for every request until the next reload), so a request pays one identity-map lookup.
   */
  public static String answerHeaders(RoutingTable.Provider provider) {
    return provider.headers().isEmpty()
        ? ""
        : ANSWER_HEADERS.get(provider, UpstreamRequests::hashAnswerHeaders);
  }

  private static String hashAnswerHeaders(RoutingTable.Provider provider) {
    String keyHeader =
        provider.apiKeyHeader() == null || provider.apiKeyHeader().name() == null
            ? null
            : provider.apiKeyHeader().name().toLowerCase(Locale.ROOT);
    List<String> lines = new ArrayList<>();
    provider
        .headers()
        .forEach(
            (name, value) -> {
              String lower = name.toLowerCase(Locale.ROOT);
              if (!RESERVED.contains(lower)
                  && !OVERWRITTEN.contains(lower)
                  && !UpstreamHeaders.isCredentialHeader(lower)
                  && !lower.equals(keyHeader)) {
                lines.add(lower + ": " + value + '\n');
              }
            });
    if (lines.isEmpty()) {
      return "";
    }
    lines.sort(null);
    return KeyDigest.of(String.join("", lines));
  }

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

  /**
   * Writes auth, static, content and tracing headers of an upstream call into {@code into}. The key
   * goes in the provider's {@code apiKeyHeader} when it names one (an API gateway in front, such as
   * Azure API Management's {@code Ocp-Apim-Subscription-Key}), else in its preset's header.
   */
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
          RoutingTable.ApiKeyHeader own = provider.apiKeyHeader();
          if (own != null) {
            // Instead of the preset's header, which is then not sent (static headers never set it).
            into.set(
                KEY_HEADER_NAMES.get(own, h -> HttpHeaders.createOptimized(h.name())),
                own.prefix() == null ? k : own.prefix() + k);
          } else if (provider.providerKind().authStyle() == ProviderKind.AuthStyle.API_KEY_HEADER) {
            into.set(API_KEY, k);
          } else if (provider.providerKind().authStyle() == ProviderKind.AuthStyle.X_API_KEY) {
            into.set(X_API_KEY, k);
          } else if (provider.providerKind().authStyle() == ProviderKind.AuthStyle.GOOG_API_KEY) {
            into.set(GOOG_API_KEY, k);
          } else {
            into.set(AUTHORIZATION, "Bearer " + k);
          }
        });
    into.set(CONTENT_TYPE, JSON);
    into.set(ACCEPT, stream ? EVENT_STREAM : JSON);
    into.set(REQUEST_ID, requestId);
    into.set(USER_AGENT, GATEWAY);
  }
}
