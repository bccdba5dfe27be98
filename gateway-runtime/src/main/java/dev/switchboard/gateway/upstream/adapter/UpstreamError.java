package dev.switchboard.gateway.upstream.adapter;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a provider's error body says, in OpenAI's error vocabulary (any field may be null), so a
 * request-caused rejection reaches the client as the provider phrased it.
 *
 * @param innerError Azure OpenAI's {@code innererror} (a content filter's {@code
 *     content_filter_result}: which category refused the prompt), relayed beside the OpenAI fields;
 *     null for every other provider
 */
public record UpstreamError(
    String message, String type, String param, String code, JsonNode innerError) {

  /** An error without Azure's {@code innererror}. */
  public UpstreamError(String message, String type, String param, String code) {
    this(message, type, param, code, null);
  }
}
