package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.rollout.CanaryPlanner;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Version skew (issue #11): resources carrying fields the operator's types do not know, as after a
 * CRD upgrade with an older operator still running, or a rollback of the operator. The operator
 * must keep running and serving, render what it understands, and say on each such resource which
 * fields it ignores. The resources are written as raw JSON, as a newer client would write them:
 * RoutingPolicy, ProviderEndpoint, ModelRoute and Consumer.
 *
 * <p>An API server drops the fields its CRD does not declare before anyone reads them, so such
 * fields reach an operator only through a CRD newer than the operator: this class installs one
 * ({@link #newerCrds()}: the operator's CRDs plus the "future" fields), over the CRDs the operator
 * was started with. A field that even the newer CRD does not declare (a typo) is pruned and never
 * reaches the operator.
 */
class UnknownFieldsScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(
          OperatorSettings.forMockApiServer().withUpstreamAllowances(false, true));

  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final Path CRDS = Path.of("../crds");

  private String ns;
  private KubernetesClient client;

  /** The operator's CRDs as a newer release would ship them: with the fields written below. */
  @BeforeAll
  static void newerCrds() throws IOException {
    JSONSchemaProps enabled =
        new JSONSchemaPropsBuilder()
            .withType("object")
            .addToProperties("enabled", new JSONSchemaPropsBuilder().withType("boolean").build())
            .build();
    installNewer(
        "routingpolicies.switchboard.dev-v1.yml",
        Map.of("spec.futureFeature", enabled, "spec.retry.maxAtempts", ofType("integer")));
    installNewer(
        "providerendpoints.switchboard.dev-v1.yml",
        Map.of("spec.healthCheck.intervall", ofType("string")));
    installNewer(
        "modelroutes.switchboard.dev-v1.yml", Map.of("spec.targets[].wieght", ofType("integer")));
    installNewer(
        "consumers.switchboard.dev-v1.yml",
        Map.of("spec.futureQuota", enabled, "spec.budget.usdPerWeek", ofType("number")));
  }

  private static JSONSchemaProps ofType(String type) {
    return new JSONSchemaPropsBuilder().withType(type).build();
  }

  /**
   * Installs a CRD file with extra properties, each at a path of object properties ({@code
   * spec.retry.maxAtempts}; {@code targets[]} steps into an array's items).
   */
  private static void installNewer(String file, Map<String, JSONSchemaProps> additions)
      throws IOException {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(CRDS.resolve(file))) {
      crd = JSON.unmarshal(in, CustomResourceDefinition.class);
    }
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      for (Map.Entry<String, JSONSchemaProps> addition : additions.entrySet()) {
        JSONSchemaProps parent = version.getSchema().getOpenAPIV3Schema();
        String[] steps = addition.getKey().split("\\.");
        for (int i = 0; i < steps.length - 1; i++) {
          String step = steps[i];
          parent = parent.getProperties().get(step.replace("[]", ""));
          if (step.endsWith("[]")) {
            parent = parent.getItems().getSchema();
          }
        }
        parent.getProperties().put(steps[steps.length - 1], addition.getValue());
      }
    }
    KUBE.api()
        .installCrds(new ByteArrayInputStream(JSON.asJson(crd).getBytes(StandardCharsets.UTF_8)));
  }

  @BeforeEach
  void namespace() {
    ns = "unknown-fields-" + NAMESPACES.incrementAndGet();
    client = KUBE.client();
  }

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }

  /** The basic fixture, but with unknown fields in the policy, a provider and a route. */
  private void applySkewed() {
    for (HasMetadata item : Fixtures.load("fixtures/namespace-basic.yaml", ns)) {
      if (item.getKind().equals("Secret")) {
        client.resource(item).create();
        continue;
      }
      GenericKubernetesResource raw =
          JSON.unmarshal(JSON.asJson(item), GenericKubernetesResource.class);
      @SuppressWarnings("unchecked")
      Map<String, Object> spec = (Map<String, Object>) raw.getAdditionalProperties().get("spec");
      switch (item.getMetadata().getName()) {
        case "standard" -> {
          spec.put("futureFeature", Map.of("enabled", true));
          @SuppressWarnings("unchecked")
          Map<String, Object> retry = (Map<String, Object>) spec.get("retry");
          retry.put("maxAtempts", 5);
        }
        case "openai-prod" -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> health = (Map<String, Object>) spec.get("healthCheck");
          health.put("intervall", "5s");
        }
        case "chat-default" -> {
          @SuppressWarnings("unchecked")
          List<Map<String, Object>> targets = (List<Map<String, Object>>) spec.get("targets");
          targets.get(1).put("wieght", 30);
        }
        default -> {}
      }
      client.resource(raw).create();
    }
  }

  private Optional<Map<String, Object>> condition(String kind, String name, String type) {
    GenericKubernetesResource resource =
        client
            .genericKubernetesResources("switchboard.dev/v1alpha1", kind)
            .inNamespace(ns)
            .withName(name)
            .get();
    if (resource == null || !(resource.getAdditionalProperties().get("status") instanceof Map)) {
      return Optional.empty();
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> status =
        (Map<String, Object>) resource.getAdditionalProperties().get("status");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> conditions =
        (List<Map<String, Object>>) status.getOrDefault("conditions", List.of());
    return conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst();
  }

  /** The published table, asserted to be there (a wait on it goes on while it is not). */
  private RoutingTable presentTable() {
    return PublishedReads.presentRoutingTable(client, ns);
  }

  private List<Event> events(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void resourcesWithUnknownFieldsAreServedAndSayWhatIsIgnored() {
    applySkewed();

    eventually()
        .untilAsserted(
            () -> {
              assertThat(condition("RoutingPolicy", "standard", "FieldsRecognized"))
                  .get()
                  .satisfies(
                      c -> {
                        assertThat(c.get("status")).isEqualTo("False");
                        assertThat(c.get("reason")).isEqualTo("UnknownFields");
                        // Only version skew gets here (the API server prunes a typo), and the
                        // message says so rather than asking for a spelling fix.
                        assertThat((String) c.get("message"))
                            .startsWith("The installed CRD is newer than the operator")
                            .contains("upgrade the operator")
                            .doesNotContain("spelling")
                            .contains("spec.futureFeature", "spec.retry.maxAtempts");
                      });
              assertThat(condition("RoutingPolicy", "standard", "Ready"))
                  .get()
                  .extracting(c -> c.get("status"))
                  .isEqualTo("True");
              assertThat(condition("ProviderEndpoint", "openai-prod", "FieldsRecognized"))
                  .get()
                  .extracting(c -> (String) c.get("message"))
                  .asString()
                  .contains("spec.healthCheck.intervall");
              assertThat(condition("ModelRoute", "chat-default", "FieldsRecognized"))
                  .get()
                  .extracting(c -> (String) c.get("message"))
                  .asString()
                  .contains("spec.targets[1].wieght");
              assertThat(condition("ModelRoute", "chat-default", "Ready"))
                  .get()
                  .extracting(c -> c.get("status"))
                  .isEqualTo("True");
              // Resources without unknown fields get no such condition.
              assertThat(condition("ModelRoute", "reasoning", "Ready"))
                  .get()
                  .extracting(c -> c.get("status"))
                  .isEqualTo("True");
              assertThat(condition("ModelRoute", "reasoning", "FieldsRecognized")).isEmpty();
            });
    // What is understood is rendered: the policy with its known retry settings, the route.
    RoutingTable table = presentTable();
    assertThat(table.routes())
        .extracting(RoutingTable.Route::name)
        .containsExactly("chat-default", "reasoning");
    assertThat(table.policies().get("standard").retry().maxAttempts()).isEqualTo(3);
    assertThat(events("standard"))
        .anySatisfy(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getReason()).isEqualTo("UnknownFields");
              assertThat(e.getMessage()).contains("spec.retry.maxAtempts");
            });

    // The operator keeps reconciling: a route created afterwards is served.
    GenericKubernetesResource later =
        JSON.unmarshal(
            """
            {"apiVersion": "switchboard.dev/v1alpha1", "kind": "ModelRoute",
             "metadata": {"name": "later"},
             "spec": {"policyRef": {"name": "standard"},
                      "targets": [{"providerRef": {"name": "openai-prod"}, "model": "gpt-5"}]}}
            """,
            GenericKubernetesResource.class);
    later.getMetadata().setNamespace(ns);
    client.resource(later).create();
    eventually()
        .untilAsserted(
            () ->
                assertThat(presentTable().routes())
                    .extracting(RoutingTable.Route::name)
                    .contains("later"));

    // The fields stay ignored without churn: one event, however often the policy is reconciled
    // (the operator's own status patches keep the unknown fields in the stored object).
    // (Counted: the recorder folds a repeat into the same Event.)
    KUBE.operator().flushEvents();
    assertThat(events("standard"))
        .filteredOn(e -> "UnknownFields".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
    assertThat(condition("RoutingPolicy", "standard", "FieldsRecognized")).isPresent();

    // Fixing the policy removes the condition.
    UserEdits.edit(
        client
            .genericKubernetesResources("switchboard.dev/v1alpha1", "RoutingPolicy")
            .inNamespace(ns)
            .withName("standard"),
        p -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = (Map<String, Object>) p.getAdditionalProperties().get("spec");
          spec.remove("futureFeature");
          @SuppressWarnings("unchecked")
          Map<String, Object> retry = (Map<String, Object>) spec.get("retry");
          retry.remove("maxAtempts");
          return p;
        });
    eventually()
        .untilAsserted(
            () -> assertThat(condition("RoutingPolicy", "standard", "FieldsRecognized")).isEmpty());
  }

  @Test
  void aConsumerWithUnknownFieldsIsServedAndSaysWhatIsIgnored() {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("search-key")
                .withNamespace(ns)
                .endMetadata()
                .withStringData(Map.of("apiKey", "sk-search-skewed"))
                .build())
        .create();
    GenericKubernetesResource consumer =
        JSON.unmarshal(
            """
            {"apiVersion": "switchboard.dev/v1alpha1", "kind": "Consumer",
             "metadata": {"name": "search"},
             "spec": {"keySecretRefs": [{"name": "search-key", "key": "apiKey"}],
                      "models": ["chat-*"],
                      "budget": {"usdPerDay": 5.0, "usdPerWeek": 30.0},
                      "futureQuota": {"enabled": true},
                      "qouta": 1}}
            """,
            GenericKubernetesResource.class);
    consumer.getMetadata().setNamespace(ns);
    client.resource(consumer).create();

    eventually()
        .untilAsserted(
            () -> {
              assertThat(condition("Consumer", "search", "FieldsRecognized"))
                  .get()
                  .satisfies(
                      c -> {
                        assertThat(c.get("status")).isEqualTo("False");
                        assertThat(c.get("reason")).isEqualTo("UnknownFields");
                        assertThat((String) c.get("message"))
                            .contains("spec.futureQuota", "spec.budget.usdPerWeek")
                            // Declared by no installed CRD: the API server dropped it.
                            .doesNotContain("qouta");
                      });
              // What is understood is enforced: the key (as a hash) and the known budget.
              assertThat(condition("Consumer", "search", "Ready"))
                  .get()
                  .extracting(c -> c.get("reason"))
                  .isEqualTo("KeysPublished");
              ConsumerTable.Consumer row = consumerRow("search");
              assertThat(row.keySha256()).containsExactly(KeyAges.sha256Hex("sk-search-skewed"));
              assertThat(row.budget().usdPerDay()).isEqualTo(5.0);
            });
    KUBE.operator().flushEvents();
    assertThat(events("search"))
        .filteredOn(e -> "UnknownFields".equals(e.getReason()))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("spec.budget.usdPerWeek");
              // Recorded once: the Consumer's status is written and cached in the reconcile, so
              // the next reconcile does not see the old conditions and record it again.
              assertThat(e.getCount()).isEqualTo(1);
            });

    // Fixing the Consumer removes the condition.
    UserEdits.edit(
        client
            .genericKubernetesResources("switchboard.dev/v1alpha1", "Consumer")
            .inNamespace(ns)
            .withName("search"),
        c -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = (Map<String, Object>) c.getAdditionalProperties().get("spec");
          spec.remove("futureQuota");
          @SuppressWarnings("unchecked")
          Map<String, Object> budget = (Map<String, Object>) spec.get("budget");
          budget.remove("usdPerWeek");
          return c;
        });
    eventually()
        .untilAsserted(
            () -> assertThat(condition("Consumer", "search", "FieldsRecognized")).isEmpty());
  }

  /** The consumer's row in the published consumer table, asserted to be there. */
  private ConsumerTable.Consumer consumerRow(String name) {
    Optional<ConsumerTable.Consumer> row =
        PublishedReads.presentConsumerTable(client, ns).consumers().stream()
            .filter(c -> name.equals(c.name()))
            .findFirst();
    assertThat(row).as("consumer %s in the consumer table published in %s", name, ns).isPresent();
    return row.get();
  }

  @Test
  void anOperatorStartingOnResourcesWithUnknownFieldsStartsAndServes() {
    KUBE.stopOperator();
    try {
      applySkewed();
    } finally {
      KUBE.startOperator();
    }
    eventually()
        .untilAsserted(
            () -> {
              assertThat(presentTable().routes())
                  .extracting(RoutingTable.Route::name)
                  .containsExactly("chat-default", "reasoning");
              assertThat(condition("RoutingPolicy", "standard", "FieldsRecognized"))
                  .get()
                  .extracting(c -> c.get("reason"))
                  .isEqualTo("UnknownFields");
            });
  }

  @Test
  void theOperatorRefusesAClientThatWouldStopOnUnknownFields() {
    // Fabric8's default serialization: the informer would fail on the first unknown field.
    assertThatThrownBy(
            () ->
                SwitchboardOperator.start(
                    client,
                    OperatorSettings.forMockApiServer(),
                    java.time.Clock.systemUTC(),
                    CanaryPlanner.immediate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TolerantSerialization.clientBuilder()");
  }
}
