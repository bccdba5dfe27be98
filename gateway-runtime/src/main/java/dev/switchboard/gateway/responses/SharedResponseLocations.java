package dev.switchboard.gateway.responses;

import dev.switchboard.gateway.state.RedisStateStore;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Response ids in the shared store (Redis), so a follow-up ({@code previous_response_id}) or a
 * {@code GET /v1/responses/{id}} reaches the provider that holds the response whichever replica
 * served it. This replica's {@link LocalResponseLocations} stays in front as a near cache: what it
 * served itself it knows without a round trip. Keys hold only the id (a provider's opaque
 * identifier), values the provider name, target id and whether it is stored; never a prompt or key.
 *
 * <p>The store's outage discipline applies (a deadline per command, fail fast while it is down): a
 * write that fails is logged once per outage and the local copy still serves this replica; a lookup
 * that fails answers from the local copy or as unknown (the client then gets the documented 400/404
 * rather than a request sent to the wrong provider).
 */
public final class SharedResponseLocations implements ResponseLocations {

  private static final Logger LOG = LoggerFactory.getLogger(SharedResponseLocations.class);

  private final LocalResponseLocations local;
  private final RedisStateStore store;
  private final long ttlMs;
  private volatile boolean warned;

  public SharedResponseLocations(LocalResponseLocations local, RedisStateStore store) {
    this(local, store, LocalResponseLocations.DEFAULT_TTL);
  }

  public SharedResponseLocations(
      LocalResponseLocations local, RedisStateStore store, Duration ttl) {
    this.local = local;
    this.store = store;
    this.ttlMs = ttl.toMillis();
  }

  @Override
  public void remember(String responseId, ResponseLocation location) {
    local.remember(responseId, location);
    store
        .send(
            Request.cmd(Command.SET)
                .arg(key(responseId))
                .arg(encode(location))
                .arg("PX")
                .arg(Long.toString(ttlMs)))
        .onSuccess(ok -> warned = false)
        .onFailure(this::warnOnce);
  }

  @Override
  public Future<ResponseLocation> find(String responseId) {
    return local
        .find(responseId)
        .compose(
            known -> {
              if (known != null) {
                return Future.succeededFuture(known);
              }
              return store
                  .send(Request.cmd(Command.GET).arg(key(responseId)))
                  .map(value -> value == null ? null : decode(value.toString()))
                  .onSuccess(
                      found -> {
                        if (found != null) {
                          local.remember(responseId, found);
                        }
                      })
                  .recover(
                      err -> {
                        warnOnce(err);
                        return Future.succeededFuture(null);
                      });
            });
  }

  /**
   * Asks the shared store alone: a replica's near copy outlives a deletion made through another
   * replica (that replica forgets the id in the store and its own copy only). One round trip; an
   * outage fails the future (the caller then cannot vouch for the response), it is never taken for
   * a deletion.
   */
  @Override
  public Future<ResponseLocation> confirm(String responseId) {
    return store
        .send(Request.cmd(Command.GET).arg(key(responseId)))
        .map(value -> value == null ? null : decode(value.toString()));
  }

  @Override
  public void forget(String responseId) {
    local.forget(responseId);
    store.send(Request.cmd(Command.DEL).arg(key(responseId))).onFailure(this::warnOnce);
  }

  private String key(String responseId) {
    return store.key("responses:" + responseId);
  }

  /**
   * {@code stored|provider|targetId}, then {@code |consumer} when a consumer owns it. Kubernetes
   * names and the CRDs' model ids never hold a bar, and such a value is written as it always was
   * (replicas of the previous version read it); when a name does (a model id of a routing file),
   * {@code stored} is followed by {@code e} and every {@code %} and {@code |} in the names is
   * written {@code %25} and {@code %7C}, so the bars left are the separators.
   */
  static String encode(ResponseLocation location) {
    boolean escape =
        needsEscape(location.provider())
            || needsEscape(location.targetId())
            || needsEscape(location.consumer());
    return (location.stored() ? "1" : "0")
        + (escape ? "e" : "")
        + "|"
        + field(location.provider(), escape)
        + "|"
        + field(location.targetId(), escape)
        + (location.consumer() == null ? "" : "|" + field(location.consumer(), escape));
  }

  /**
   * The location, or null for a value this version does not understand; a value without {@code e}
   * is read as it always was.
   */
  static ResponseLocation decode(String value) {
    String[] parts = value.split("\\|", 4);
    if (parts.length < 3) {
      return null;
    }
    boolean escaped = parts[0].endsWith("e");
    String stored = escaped ? parts[0].substring(0, parts[0].length() - 1) : parts[0];
    return new ResponseLocation(
        unescape(parts[1], escaped),
        unescape(parts[2], escaped),
        "1".equals(stored),
        parts.length == 4 ? unescape(parts[3], escaped) : null);
  }

  private static boolean needsEscape(String name) {
    return name != null && name.indexOf('|') >= 0;
  }

  private static String field(String name, boolean escape) {
    return escape ? name.replace("%", "%25").replace("|", "%7C") : name;
  }

  private static String unescape(String field, boolean escaped) {
    return escaped ? field.replace("%7C", "|").replace("%25", "%") : field;
  }

  private void warnOnce(Throwable err) {
    if (!warned) {
      warned = true;
      LOG.warn(
          "response ids cannot be shared through the state store ({}); this replica answers"
              + " follow-ups of the responses it served itself",
          err.getClass().getSimpleName());
    }
  }
}
