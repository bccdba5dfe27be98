package dev.switchboard.kubemock;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Switchboard's own CRDs (the committed YAML in the repository's {@code crds/}, one directory up
 * from this module) and one ModelRoute, ProviderEndpoint and RoutingPolicy with status, for the
 * tests of kubectl's printer columns.
 */
final class SwitchboardResources {

  static final List<Path> CRDS =
      List.of(
          crd("modelroutes.switchboard.dev-v1.yml"),
          crd("providerendpoints.switchboard.dev-v1.yml"),
          crd("routingpolicies.switchboard.dev-v1.yml"));

  static final ResourceDefinitionContext MODEL_ROUTES = context("ModelRoute", "modelroutes");
  static final ResourceDefinitionContext PROVIDER_ENDPOINTS =
      context("ProviderEndpoint", "providerendpoints");
  static final ResourceDefinitionContext ROUTING_POLICIES =
      context("RoutingPolicy", "routingpolicies");

  private SwitchboardResources() {}

  /** The committed CRD file, found upwards from the working directory (module or its target/). */
  private static Path crd(String file) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("crds").resolve(file);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no crds/" + file + " above " + Path.of("").toAbsolutePath());
  }

  private static ResourceDefinitionContext context(String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("switchboard.dev")
        .withVersion("v1alpha1")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  /**
   * Installs the CRDs and creates route {@code chat} (model chat-default, policy standard, canary
   * weight 5, Ready True, phase Progressing), endpoint {@code openai} (Healthy True, Ready False)
   * and policy {@code standard} (strategy priority, no status yet).
   */
  static void create(EmbeddedKubernetesApi api) {
    api.installCrds(CRDS.toArray(Path[]::new));
    KubernetesClient client = api.client();
    create(
        client,
        MODEL_ROUTES,
        resource(
            "ModelRoute",
            "chat",
            Map.of("model", "chat-default", "policyRef", Map.of("name", "standard"))),
        Map.of(
            "phase",
            "Progressing",
            "canaryWeight",
            5,
            "conditions",
            List.of(
                Map.of("type", "Accepted", "status", "True"),
                Map.of("type", "Ready", "status", "True"))));
    create(
        client,
        PROVIDER_ENDPOINTS,
        resource(
            "ProviderEndpoint",
            "openai",
            Map.of("provider", "openai", "baseUrl", "https://api.openai.com/v1")),
        Map.of(
            "conditions",
            List.of(
                Map.of("type", "Ready", "status", "False"),
                Map.of("type", "Healthy", "status", "True"))));
    client
        .genericKubernetesResources(ROUTING_POLICIES)
        .resource(resource("RoutingPolicy", "standard", Map.of("strategy", "priority")))
        .create();
  }

  private static void create(
      KubernetesClient client,
      ResourceDefinitionContext context,
      GenericKubernetesResource resource,
      Map<String, Object> status) {
    GenericKubernetesResource created =
        client.genericKubernetesResources(context).resource(resource).create();
    created.setAdditionalProperty("status", status);
    client.genericKubernetesResources(context).resource(created).updateStatus();
  }

  private static GenericKubernetesResource resource(
      String kind, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("switchboard.dev/v1alpha1")
        .withKind(kind)
        .withNewMetadata()
        .withName(name)
        .withNamespace(EmbeddedKubernetesApi.DEFAULT_NAMESPACE)
        .endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }
}
