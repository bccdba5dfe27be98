package dev.switchboard.contract;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which provider presets honour OpenAI's {@code seed} request field. Conservative on purpose: a
 * provider is listed only where its own API reference documents {@code seed} on the endpoint the
 * gateway calls; for every other one the gateway says so (header, request log, route status)
 * instead of pretending the answer is reproducible.
 */
public final class SeedSupport {

  /**
   * OpenAI and Azure OpenAI document {@code seed}; vLLM and Ollama (the usual {@code
   * openai-compatible} servers) and Qwen's compatible mode accept it. The {@code gemini} preset
   * calls Gemini's native API, where the gateway's adapter sends the seed as {@code
   * generationConfig.seed}, a documented field; Mistral calls it {@code random_seed}, and the
   * gateway's adapter sends it under that name. Anthropic has no seed, and DeepSeek's
   * OpenAI-compatible endpoint does not document it.
   */
  private static final Set<ProviderKind> HONOUR_SEED =
      EnumSet.of(
          ProviderKind.OPENAI,
          ProviderKind.AZURE_OPENAI,
          ProviderKind.OPENAI_COMPATIBLE,
          ProviderKind.QWEN,
          ProviderKind.GEMINI,
          ProviderKind.MISTRAL);

  private SeedSupport() {}

  /** Whether a provider of this kind (its wire name) honours a seed. */
  public static boolean honoursSeed(String providerKind) {
    return ProviderKind.fromWireName(providerKind).map(HONOUR_SEED::contains).orElse(false);
  }
}
