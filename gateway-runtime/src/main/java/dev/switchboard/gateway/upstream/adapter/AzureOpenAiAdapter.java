package dev.switchboard.gateway.upstream.adapter;

import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.FailureScope;
import dev.switchboard.gateway.upstream.Operation;
import io.vertx.core.buffer.Buffer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Azure OpenAI: the OpenAI wire format, but deployments are addressed by name in the path with an
 * {@code api-version} on every call (or, with {@code apiVersion} {@code v1}/{@code preview}, on the
 * v1 surface by the body's {@code model}: {@link #path}), and the key travels in an {@code api-key}
 * header (see {@code ProviderKind.authStyle()}).
 */
public final class AzureOpenAiAdapter extends OpenAiAdapter {

  /**
   * The Responses API lives on Azure's v1 GA surface, which takes no {@code api-version} and names
   * the deployment in the body's {@code model} (the request's model is already the deployment).
   */
  static final String RESPONSES_PATH = "/openai/v1/responses";

  /** Azure OpenAI serves the Responses API: Responses requests are passed through. */
  public AzureOpenAiAdapter() {
    super(true);
  }

  /**
   * A dated {@code api-version} addresses the deployment in the path; {@code v1} and {@code
   * preview} (the values the ProviderEndpoint takes for the v1 API) address Azure's v1 surface,
   * {@code /openai/v1/...}, which names the deployment in the body's {@code model} (the request's
   * model is already the deployment) and has no deployments path: there a dated version only is
   * known, so {@code ?api-version=v1} on a deployment path is a 404 "Resource not found". {@code
   * preview} is sent as {@code ?api-version=preview}, which opts the v1 surface into preview
   * features; {@code v1} needs no query.
   */
  @Override
  public String path(RoutingTable.Provider provider, String model, Operation op) {
    if (op == Operation.RESPONSES) {
      return RESPONSES_PATH;
    }
    String version = apiVersion(provider);
    if (V1.equals(version)) {
      return V1_ROOT + op.path();
    }
    if (PREVIEW.equals(version)) {
      return V1_ROOT + op.path() + PREVIEW_QUERY;
    }
    return "/openai/deployments/"
        + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20")
        + op.path()
        + "?api-version="
        + URLEncoder.encode(version, StandardCharsets.UTF_8);
  }

  /** Models - List: {@code /openai/models} with a dated version, {@code /openai/v1/models} else. */
  @Override
  public String probePath(RoutingTable.Provider provider) {
    String version = apiVersion(provider);
    if (V1.equals(version)) {
      return V1_ROOT + "/models";
    }
    if (PREVIEW.equals(version)) {
      return V1_ROOT + "/models" + PREVIEW_QUERY;
    }
    return "/openai/models?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
  }

  private static final String V1 = "v1";
  private static final String PREVIEW = "preview";
  private static final String V1_ROOT = "/openai/v1";
  private static final String PREVIEW_QUERY = "?api-version=preview";

  /**
   * Azure answers a path it does not know (a wrong base URL or api-version, a deployment path the
   * resource does not have) with 404 {@code {"error":{"code":"404","message":"Resource not
   * found"}}}. The gateway built that path from the target's configuration, so it is that target's
   * failure, not the client's: it fails over. Matched by that code and message only; a 404 in
   * OpenAI's shape (an id the client named) stays the client's.
   */
  @Override
  public FailureKind failureKind(int status, Buffer body, FailureKind byStatus) {
    if (status == 404 && byStatus == FailureKind.REQUEST_REJECTED && endpointNotFound(body)) {
      return FailureKind.TARGET_UNUSABLE;
    }
    return super.failureKind(status, body, byStatus);
  }

  @Override
  public FailureScope failureScope(int status, Buffer body, FailureKind kind) {
    if (status == 404 && kind == FailureKind.TARGET_UNUSABLE && endpointNotFound(body)) {
      return FailureScope.ENDPOINT;
    }
    return super.failureScope(status, body, kind);
  }

  private boolean endpointNotFound(Buffer body) {
    UpstreamError error = decodeError(body);
    return error != null
        && "404".equals(error.code())
        && error.message() != null
        && error.message().startsWith("Resource not found");
  }

  private static String apiVersion(RoutingTable.Provider provider) {
    return provider.apiVersion() == null
        ? ProviderKind.DEFAULT_AZURE_API_VERSION
        : provider.apiVersion();
  }
}
