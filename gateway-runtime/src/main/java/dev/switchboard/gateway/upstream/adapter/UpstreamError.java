package dev.switchboard.gateway.upstream.adapter;

/**
 * What a provider's error body says, in OpenAI's error vocabulary (any field may be null), so a
 * request-caused rejection reaches the client as the provider phrased it.
 */
public record UpstreamError(String message, String type, String param, String code) {}
