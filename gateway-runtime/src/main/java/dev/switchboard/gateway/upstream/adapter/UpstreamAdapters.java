package dev.switchboard.gateway.upstream.adapter;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;

/**
 * Chooses the adapter of a provider by its kind. Native Anthropic and Gemini adapters register
 * here; every preset not listed speaks the OpenAI format.
 */
public final class UpstreamAdapters {

  private static final UpstreamAdapter OPENAI = new OpenAiAdapter();
  private static final UpstreamAdapter AZURE_OPENAI = new AzureOpenAiAdapter();
  private static final UpstreamAdapter GEMINI = new GeminiAdapter();

  private UpstreamAdapters() {}

  /** The adapter that speaks {@code provider}'s wire format. */
  public static UpstreamAdapter forProvider(RoutingTable.Provider provider) {
    if (provider.providerKind() == ProviderKind.GEMINI) {
      return GEMINI;
    }
    return provider.providerKind() == ProviderKind.AZURE_OPENAI ? AZURE_OPENAI : OPENAI;
  }
}
