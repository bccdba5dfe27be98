package dev.switchboard.gateway.responses;

import io.vertx.core.Future;

/**
 * Where response ids live: which provider produced each Responses API response the gateway served,
 * so that follow-ups ({@code previous_response_id}) and {@code GET/DELETE /v1/responses/{id}} go to
 * the provider that holds it. {@link LocalResponseLocations} keeps them per replica; a shared
 * implementation (Redis, for several replicas) plugs in behind the same interface. Asynchronous so
 * that a remote store fits; the local one answers with completed futures.
 */
public interface ResponseLocations {

  /** Remembers where {@code responseId} lives (a later call for the same id replaces it). */
  void remember(String responseId, ResponseLocation location);

  /** Where {@code responseId} lives; completes with null when it is unknown (or expired). */
  Future<ResponseLocation> find(String responseId);

  /**
   * Where {@code responseId} lives as every replica sees it now, for what the gateway answers
   * without asking its provider (a cache hit that hands it out or continues it): not a near copy
   * that another replica's deletion left behind. Completes with null when it is unknown (deleted,
   * expired); fails when that cannot be told now (the shared store is down). Without a shared store
   * as {@link #find}.
   */
  default Future<ResponseLocation> confirm(String responseId) {
    return find(responseId);
  }

  /** Forgets {@code responseId} (it was deleted at its provider). */
  void forget(String responseId);
}
