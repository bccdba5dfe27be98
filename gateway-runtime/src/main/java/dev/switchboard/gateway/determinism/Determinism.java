package dev.switchboard.gateway.determinism;

import dev.switchboard.contract.SeedSupport;

/**
 * What the deterministic contract recorded for one request on a deterministic route: the seed that
 * went upstream, the hash of the system prompt, the sampling parameters as given, and which
 * parameters the serving provider does not honour. Headers and the request log carry the same.
 *
 * @param seed the seed sent upstream (the client's or the injected one), null when neither
 * @param seedInjected whether the gateway injected {@code seed} from the policy
 * @param systemPromptHash SHA-256 (hex) of the system and developer messages, see {@link
 *     SystemPromptHash}
 * @param temperature the client's {@code temperature} as given (JSON text), null when absent
 * @param topP the client's {@code top_p} as given (JSON text), null when absent
 * @param seedDropped the seed reaches no target: the request's own format has no seed field (the
 *     Responses API) and it cannot be bridged through chat completions, which has one
 */
public record Determinism(
    Long seed,
    boolean seedInjected,
    String systemPromptHash,
    String temperature,
    String topP,
    boolean seedDropped) {

  /** A request whose seed, if any, reaches the targets that honour one. */
  public Determinism(
      Long seed, boolean seedInjected, String systemPromptHash, String temperature, String topP) {
    this(seed, seedInjected, systemPromptHash, temperature, topP, false);
  }

  /** The request parameters the provider that served it does not honour ({@code seed}), or null. */
  public String unhonoured(String providerKind) {
    return seed != null && (seedDropped || !SeedSupport.honoursSeed(providerKind)) ? "seed" : null;
  }

  /**
   * Whether the seed must be bridged through chat completions to reach a target of {@code
   * providerKind} that speaks the door's own format natively: the door's format has no seed (it is
   * not the internal one), the provider honours a seed on chat completions, and the request can be
   * bridged.
   */
  public boolean bridgesSeed(boolean doorIsInternal, String providerKind) {
    return seed != null && !seedDropped && !doorIsInternal && SeedSupport.honoursSeed(providerKind);
  }
}
