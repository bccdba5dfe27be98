package dev.switchboard.gateway.http;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model listing in Anthropic's shape, for Anthropic SDK clients ({@code client.models.list()},
 * {@code client.models.retrieve(id)}), which call {@code /v1/models} with an {@code
 * anthropic-version} header: a page {@code {"data":[ModelInfo],"has_more","first_id","last_id"}}
 * cut by {@code limit} (default 20, 1 to 1000) and one cursor, {@code after_id} or {@code
 * before_id}, as Anthropic's Models API pages.
 */
final class AnthropicModelPages {

  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 1000;

  private AnthropicModelPages() {}

  /**
   * One page request: at most {@code limit} models after {@code afterId}, before {@code beforeId},
   * or from the start (both null).
   */
  record Query(int limit, String afterId, String beforeId) {

    /** The cursor given, or null. */
    String cursor() {
      return afterId != null ? afterId : beforeId;
    }

    /** The query parameter of the cursor given, or null. */
    String cursorParam() {
      return afterId != null ? "after_id" : beforeId != null ? "before_id" : null;
    }
  }

  /**
   * Reads {@code limit}, {@code after_id} and {@code before_id} (null: absent); a {@code limit}
   * that is no whole number from 1 to 1000, or both cursors at once, is a 400 {@code
   * invalid_request_error}.
   */
  static Query query(String limit, String afterId, String beforeId) {
    int n = DEFAULT_LIMIT;
    if (limit != null) {
      try {
        n = Integer.parseInt(limit.strip());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 1 || n > MAX_LIMIT) {
        throw new ApiException(
            OpenAiError.invalidRequest(
                "limit: Input should be a whole number from 1 to " + MAX_LIMIT + ".", "limit"));
      }
    }
    if (afterId != null && beforeId != null) {
      throw new ApiException(
          OpenAiError.invalidRequest(
              "Give at most one of after_id and before_id, not both.", "after_id"));
    }
    return new Query(n, afterId, beforeId);
  }

  /** The 400 for a cursor that names no model the caller may list. */
  static OpenAiError unknownCursor(Query query) {
    return OpenAiError.invalidRequest(
        query.cursorParam() + ": no model '" + query.cursor() + "' to page from.",
        query.cursorParam());
  }

  /**
   * The page of {@code ids} (in listing order) that {@code query} asks for; {@code has_more} tells
   * whether more models lie beyond it in the direction paged (before it for {@code before_id}). The
   * cursor is one of {@code ids} (checked by the caller).
   */
  static Map<String, Object> page(List<String> ids, Query query, Instant created) {
    int from;
    int to;
    boolean hasMore;
    if (query.beforeId() != null) {
      to = Math.max(ids.indexOf(query.beforeId()), 0);
      from = Math.max(to - query.limit(), 0);
      hasMore = from > 0;
    } else {
      from = query.afterId() == null ? 0 : ids.indexOf(query.afterId()) + 1;
      to = Math.min(from + query.limit(), ids.size());
      hasMore = to < ids.size();
    }
    List<Map<String, Object>> data = new ArrayList<>(to - from);
    String createdAt = createdAt(created);
    for (String id : ids.subList(from, to)) {
      data.add(modelInfo(id, createdAt));
    }
    Map<String, Object> page = new LinkedHashMap<>();
    page.put("data", data);
    page.put("has_more", hasMore);
    page.put("first_id", data.isEmpty() ? null : ids.get(from));
    page.put("last_id", data.isEmpty() ? null : ids.get(to - 1));
    return page;
  }

  /**
   * One model as Anthropic's {@code ModelInfo}: the table names no display name, so it is the id;
   * {@code created_at} is the RFC 3339 time of {@code created}, whole seconds as the OpenAI shape's
   * {@code created}.
   */
  static Map<String, Object> modelInfo(String id, Instant created) {
    return modelInfo(id, createdAt(created));
  }

  /** {@code created} in whole seconds, as RFC 3339. */
  static String createdAt(Instant created) {
    return Instant.ofEpochSecond(created.getEpochSecond()).toString();
  }

  private static Map<String, Object> modelInfo(String id, String createdAt) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "model");
    m.put("id", id);
    m.put("display_name", id);
    m.put("created_at", createdAt);
    return m;
  }
}
