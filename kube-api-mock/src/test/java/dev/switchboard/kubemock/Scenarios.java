package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The behaviours consumers rely on, shared by the unshaded unit test and the shaded-jar IT so both
 * prove the same things.
 */
final class Scenarios {

  /**
   * Events arrive in milliseconds on loopback; the window is an upper bound for a loaded 2-core
   * build machine, not a timing assertion.
   */
  static final Duration EVENT_WINDOW = Duration.ofSeconds(10);

  static final ResourceDefinitionContext WIDGETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("test.switchboard.dev")
          .withVersion("v1")
          .withKind("Widget")
          .withPlural("widgets")
          .withNamespaced(true)
          .build();

  private Scenarios() {}

  static void configMapCrud(KubernetesClient client) {
    ConfigMap created =
        client
            .configMaps()
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("routing")
                    .endMetadata()
                    .addToData("routing.json", "{\"v\":1}")
                    .build())
            .create();
    assertThat(created.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(created.getMetadata().getResourceVersion()).isNotBlank();

    ConfigMap updated =
        client.configMaps().withName("routing").edit(cm -> withData(cm, "{\"v\":2}"));
    assertThat(updated.getMetadata().getResourceVersion())
        .isNotEqualTo(created.getMetadata().getResourceVersion());
    assertThat(client.configMaps().withName("routing").get().getData())
        .containsEntry("routing.json", "{\"v\":2}");
    assertThat(client.configMaps().list().getItems())
        .extracting(cm -> cm.getMetadata().getName())
        .containsExactly("routing");

    client.configMaps().withName("routing").delete();
    assertThat(client.configMaps().withName("routing").get()).isNull();
  }

  static void secretCrud(KubernetesClient client) {
    String encoded = base64("sk-test-not-a-real-key");
    client
        .secrets()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("provider-keys")
                .endMetadata()
                .addToData("openai-prod", encoded)
                .build())
        .create();
    assertThat(client.secrets().withName("provider-keys").get().getData())
        .containsExactly(Map.entry("openai-prod", encoded));

    client
        .secrets()
        .withName("provider-keys")
        .edit(s -> new SecretBuilder(s).addToData("anthropic-prod", base64("other")).build());
    assertThat(client.secrets().withName("provider-keys").get().getData())
        .containsOnlyKeys("openai-prod", "anthropic-prod");

    client.secrets().withName("provider-keys").delete();
    assertThat(client.secrets().withName("provider-keys").get()).isNull();
  }

  /** Watches one ConfigMap by name (as the gateway does) through create, update and delete. */
  static void informerSeesCreateUpdateDelete(KubernetesClient client) {
    List<String> events = new CopyOnWriteArrayList<>();
    try (SharedIndexInformer<ConfigMap> informer =
        client
            .configMaps()
            .withName("switchboard-routing")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ConfigMap cm) {
                    events.add("ADDED " + cm.getData().get("routing.json"));
                  }

                  @Override
                  public void onUpdate(ConfigMap before, ConfigMap after) {
                    events.add("UPDATED " + after.getData().get("routing.json"));
                  }

                  @Override
                  public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                    events.add("DELETED " + cm.getData().get("routing.json"));
                  }
                })) {
      // An unrelated ConfigMap must not reach a by-name informer.
      client
          .configMaps()
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("unrelated")
                  .endMetadata()
                  .addToData("routing.json", "other")
                  .build())
          .create();
      client
          .configMaps()
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("switchboard-routing")
                  .endMetadata()
                  .addToData("routing.json", "v1")
                  .build())
          .create();
      await().atMost(EVENT_WINDOW).until(() -> events.contains("ADDED v1"));

      client.configMaps().withName("switchboard-routing").edit(cm -> withData(cm, "v2"));
      await().atMost(EVENT_WINDOW).until(() -> events.contains("UPDATED v2"));

      client.configMaps().withName("switchboard-routing").delete();
      await().atMost(EVENT_WINDOW).until(() -> events.contains("DELETED v2"));

      assertThat(events).containsExactly("ADDED v1", "UPDATED v2", "DELETED v2");
    } finally {
      client.configMaps().withName("unrelated").delete();
    }
  }

  /** With the CRD installed first, {@code /status} is a subresource: spec and status move apart. */
  static void customResourceStatusSubresource(EmbeddedKubernetesApi api) {
    try (InputStream crd =
        Scenarios.class.getResourceAsStream("/crds/widgets.test.switchboard.dev.yaml")) {
      api.installCrds(crd);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    KubernetesClient client = api.client();
    GenericKubernetesResource created =
        client
            .genericKubernetesResources(WIDGETS)
            .resource(
                new GenericKubernetesResourceBuilder()
                    .withApiVersion("test.switchboard.dev/v1")
                    .withKind("Widget")
                    .withNewMetadata()
                    .withName("w1")
                    .endMetadata()
                    .addToAdditionalProperties("spec", Map.of("size", 1))
                    .build())
            .create();
    Long generation = created.getMetadata().getGeneration();

    GenericKubernetesResource withStatus =
        new GenericKubernetesResourceBuilder(created)
            .addToAdditionalProperties("status", Map.of("phase", "Ready", "observedGeneration", 1))
            .build();
    withStatus.getMetadata().setResourceVersion(null);
    client.genericKubernetesResources(WIDGETS).resource(withStatus).patchStatus();

    GenericKubernetesResource afterStatus =
        client.genericKubernetesResources(WIDGETS).withName("w1").get();
    assertThat(afterStatus.<Object>get("status", "phase")).isEqualTo("Ready");
    // A status write is not a spec change.
    assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(generation);

    // A spec update through the main resource leaves status alone, even when the body carries a
    // different status: that is what the status subresource means.
    GenericKubernetesResource specChange =
        new GenericKubernetesResourceBuilder(afterStatus)
            .addToAdditionalProperties("spec", Map.of("size", 2))
            .addToAdditionalProperties("status", Map.of("phase", "Overwritten"))
            .build();
    GenericKubernetesResource afterSpec =
        client.genericKubernetesResources(WIDGETS).resource(specChange).update();
    assertThat(afterSpec.<Object>get("spec", "size")).isEqualTo(2);
    assertThat(afterSpec.getMetadata().getGeneration()).isGreaterThan(generation);
    assertThat(
            client
                .genericKubernetesResources(WIDGETS)
                .withName("w1")
                .get()
                .<Object>get("status", "phase"))
        .isEqualTo("Ready");

    client.genericKubernetesResources(WIDGETS).withName("w1").delete();
  }

  /**
   * A CRD with schema defaults reports Established; a custom resource created with an empty spec
   * and then patched is stored with the defaults ({@code default: {}} cascading, array items).
   */
  static void customResourceSchemaDefaults(EmbeddedKubernetesApi api) {
    try (InputStream crd =
        Scenarios.class.getResourceAsStream("/crds/gadgets-with-defaults.yaml")) {
      api.installCrds(crd);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    KubernetesClient client = api.client();
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("gadgets.test.switchboard.dev")
                .get()
                .getStatus()
                .getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Established");
              assertThat(c.getStatus()).isEqualTo("True");
            });
    var gadgets = client.genericKubernetesResources("test.switchboard.dev/v1", "Gadget");
    gadgets
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("test.switchboard.dev/v1")
                .withKind("Gadget")
                .withNewMetadata()
                .withName("g1")
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of())
                .build())
        .create();
    gadgets
        .withName("g1")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"targets\":[{\"name\":\"a\"}]}}");

    GenericKubernetesResource stored = gadgets.withName("g1").get();
    assertThat(stored.<Object>get("spec", "healthCheck", "interval")).isEqualTo("15s");
    assertThat(stored.<Object>get("spec", "targets", 0, "weight")).isEqualTo(1);
    gadgets.withName("g1").delete();
  }

  private static ConfigMap withData(ConfigMap cm, String routingJson) {
    return new ConfigMapBuilder(cm).addToData("routing.json", routingJson).build();
  }

  static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
