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
  private static final UpstreamAdapter ANTHROPIC = new AnthropicAdapter();

  private UpstreamAdapters() {}

  /** The adapter that speaks {@code provider}'s wire format. */
  public static UpstreamAdapter forProvider(RoutingTable.Provider provider) {
    ProviderKind kind = provider.providerKind();
    if (kind == ProviderKind.ANTHROPIC) {
      return ANTHROPIC;
    }
    return kind == ProviderKind.AZURE_OPENAI ? AZURE_OPENAI : OPENAI;
  }
}
