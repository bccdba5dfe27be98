package dev.switchboard.gateway.upstream.adapter;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.upstream.Operation;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the adapter of a provider by its kind. Native Anthropic and Gemini adapters register
 * here; every preset not listed speaks the OpenAI format.
 */
public final class UpstreamAdapters {

  private static final UpstreamAdapter OPENAI = new OpenAiAdapter();
  private static final UpstreamAdapter OPENAI_WITH_RESPONSES = new OpenAiAdapter(true);
  private static final UpstreamAdapter AZURE_OPENAI = new AzureOpenAiAdapter();
  private static final UpstreamAdapter ANTHROPIC = new AnthropicAdapter();
  private static final UpstreamAdapter GEMINI = new GeminiAdapter();

  /**
   * Answers that may carry their content as chunks (Mistral's reasoning models): Mistral's, and an
   * OpenAI-compatible endpoint's, which may be Mistral's API, a proxy or an aggregator handing
   * Mistral's answer on as it came, under any model id. OpenAI's and Azure's never do.
   */
  private static final UpstreamAdapter CONTENT_CHUNKS = new OpenAiAdapter(false, true);

  private UpstreamAdapters() {}

  /** The adapter that speaks {@code provider}'s wire format. */
  public static UpstreamAdapter forProvider(RoutingTable.Provider provider) {
    ProviderKind kind = provider.providerKind();
    if (kind == ProviderKind.ANTHROPIC) {
      return ANTHROPIC;
    }
    if (kind == ProviderKind.AZURE_OPENAI) {
      return AZURE_OPENAI;
    }
    if (kind == ProviderKind.GEMINI) {
      return GEMINI;
    }
    if (kind == ProviderKind.MISTRAL || kind == ProviderKind.OPENAI_COMPATIBLE) {
      return CONTENT_CHUNKS;
    }
    // The preset says whether the provider serves the Responses API itself.
    return kind.speaksResponses() ? OPENAI_WITH_RESPONSES : OPENAI;
  }

  /** The targets of {@code plan} whose adapter speaks {@code op} natively, in the plan's order. */
  public static List<PlannedTarget> speaking(List<PlannedTarget> plan, Operation op) {
    List<PlannedTarget> out = new ArrayList<>(plan.size());
    for (PlannedTarget target : plan) {
      if (forProvider(target.provider()).speaks(op)) {
        out.add(target);
      }
    }
    return out;
  }
}
