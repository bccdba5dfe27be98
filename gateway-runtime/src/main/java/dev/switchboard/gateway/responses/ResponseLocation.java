package dev.switchboard.gateway.responses;

/**
 * Where a Responses API response lives: the provider and target that produced it, and whether that
 * provider holds it (passed through to a Responses-native provider with storage on) or nobody does
 * (bridged through chat completions, or {@code store: false}).
 *
 * @param provider the ProviderEndpoint name
 * @param targetId the target ({@code PlannedTarget.id()}) that answered
 * @param stored the provider keeps the response: follow-ups and the state endpoints can use it
 */
public record ResponseLocation(String provider, String targetId, boolean stored) {}
