package dev.switchboard.gateway.upstream.adapter;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.upstream.Operation;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Azure OpenAI: the OpenAI wire format, but deployments are addressed by name in the path, every
 * call carries an {@code api-version}, and the key travels in an {@code api-key} header (see {@code
 * ProviderKind.authStyle()}).
 */
public final class AzureOpenAiAdapter extends OpenAiAdapter {

  @Override
  public String path(RoutingTable.Provider provider, String model, Operation op) {
    return "/openai/deployments/"
        + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20")
        + op.path()
        + "?api-version="
        + URLEncoder.encode(apiVersion(provider), StandardCharsets.UTF_8);
  }

  @Override
  public String probePath(RoutingTable.Provider provider) {
    return "/openai/models?api-version="
        + URLEncoder.encode(apiVersion(provider), StandardCharsets.UTF_8);
  }

  private static String apiVersion(RoutingTable.Provider provider) {
    return provider.apiVersion() == null
        ? ProviderKind.DEFAULT_AZURE_API_VERSION
        : provider.apiVersion();
  }
}
