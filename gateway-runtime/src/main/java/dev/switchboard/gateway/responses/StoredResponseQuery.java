package dev.switchboard.gateway.responses;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The query string a stored-response call may take to the provider: only the parameters OpenAI
 * documents for that endpoint, re-encoded from their parsed values. The client's raw query is never
 * passed on, so nothing it smuggles in ({@code api_key=…}, {@code api-version=…}, a parameter the
 * provider reads but OpenAI does not document) reaches the provider; an undocumented parameter is
 * refused by name, as OpenAI itself answers one.
 */
public final class StoredResponseQuery {

  /** A stored-response endpoint and the query parameters OpenAI documents for it. */
  public enum Endpoint {
    /** {@code GET /v1/responses/{id}}. */
    RETRIEVE(
        "response_retrieve",
        Set.of("include", "include[]", "stream", "starting_after", "include_obfuscation")),
    /** {@code DELETE /v1/responses/{id}}: no query parameters. */
    DELETE("response_delete", Set.of()),
    /** {@code GET /v1/responses/{id}/input_items}. */
    INPUT_ITEMS("response_input_items", Set.of("after", "include", "include[]", "limit", "order")),
    /** {@code POST /v1/responses/{id}/cancel}: no query parameters. */
    CANCEL("response_cancel", Set.of());

    private final String operationName;
    private final Set<String> documented;

    Endpoint(String operationName, Set<String> documented) {
      this.operationName = operationName;
      this.documented = documented;
    }

    /** The {@code operation} of this endpoint's calls in metrics and the request log. */
    public String operationName() {
      return operationName;
    }

    /** Whether OpenAI documents query parameter {@code name} (as sent, decoded) here. */
    public boolean documents(String name) {
      return documented.contains(name);
    }
  }

  /**
   * The outcome of checking a client's query.
   *
   * @param query the query to send on, re-encoded, empty when there is none; null when refused
   * @param refused the parameter refused (undocumented here), null when accepted
   * @param malformed the query string could not be decoded (a bad percent escape)
   */
  public record Checked(String query, String refused, boolean malformed) {

    /** Whether the query may go on to the provider. */
    public boolean accepted() {
      return query != null;
    }
  }

  private StoredResponseQuery() {}

  /** Checks a client's raw query (without {@code ?}, null when absent) against {@code endpoint}. */
  public static Checked check(Endpoint endpoint, String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return new Checked("", null, false);
    }
    Map<String, List<String>> params;
    try {
      params = new QueryStringDecoder(rawQuery, StandardCharsets.UTF_8, false).parameters();
    } catch (IllegalArgumentException badEscape) {
      return new Checked(null, null, true);
    }
    StringJoiner query = new StringJoiner("&");
    for (Map.Entry<String, List<String>> param : params.entrySet()) {
      String name = param.getKey();
      if (!endpoint.documents(name)) {
        return new Checked(null, name, false);
      }
      for (String value : param.getValue()) {
        query.add(encode(name) + "=" + encode(value));
      }
    }
    return new Checked(query.toString(), null, false);
  }

  private static String encode(String component) {
    // URLEncoder writes a space as '+', which a query decodes back to a space; '[' and ']' in
    // "include[]" are escaped, and every server reads them back as brackets.
    return URLEncoder.encode(component, StandardCharsets.UTF_8);
  }
}
