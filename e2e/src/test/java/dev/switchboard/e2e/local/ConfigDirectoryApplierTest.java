package dev.switchboard.e2e.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDirectoryApplierTest {

  private static EmbeddedKubernetesApi api;
  private static KubernetesClient client;

  @TempDir Path dir;
  private final List<String> console = new ArrayList<>();

  @BeforeAll
  static void startApi() {
    api = EmbeddedKubernetesApi.start();
    api.installCrds(Path.of("../crds/routingpolicies.switchboard.dev-v1.yml"));
    client = api.client();
  }

  @AfterAll
  static void stopApi() {
    api.close();
  }

  private ConfigDirectoryApplier applier() {
    return new ConfigDirectoryApplier(client, dir, "default", console::add);
  }

  @Test
  void appliesUpdatesAndDeletesWhatTheFilesSay() throws Exception {
    Path file = dir.resolve("app.yaml");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: first}
        data: {a: "1"}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: second, namespace: other}
        data: {b: "2"}
        """);
    ConfigDirectoryApplier applier = applier();

    assertThat(applier.applyAll()).isEqualTo(2);
    assertThat(client.configMaps().inNamespace("default").withName("first").get().getData())
        .containsEntry("a", "1");
    assertThat(client.configMaps().inNamespace("other").withName("second").get()).isNotNull();

    // Unchanged files are not applied again.
    assertThat(applier.applyAll()).isZero();

    // An object that leaves the file is deleted; a changed one is updated.
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: first}
        data: {a: "changed"}
        """);
    applier.sync();
    assertThat(client.configMaps().inNamespace("default").withName("first").get().getData())
        .containsEntry("a", "changed");
    assertThat(client.configMaps().inNamespace("other").withName("second").get()).isNull();

    // A deleted file deletes its objects.
    Files.delete(file);
    applier.sync();
    assertThat(client.configMaps().inNamespace("default").withName("first").get()).isNull();
  }

  @Test
  void foldsSecretStringDataIntoDataAsAnApiServerWould() throws Exception {
    Files.writeString(
        dir.resolve("secret.yml"),
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData: {apiKey: sk-test-123}
        """);
    applier().applyAll();

    Secret secret = client.secrets().inNamespace("default").withName("creds").get();
    assertThat(secret.getStringData()).isNullOrEmpty();
    assertThat(
            new String(
                Base64.getDecoder().decode(secret.getData().get("apiKey")), StandardCharsets.UTF_8))
        .isEqualTo("sk-test-123");
  }

  @Test
  void reportsABrokenFileAndKeepsWhatItHadApplied() throws Exception {
    Path file = dir.resolve("keep.yaml");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: keep}
        data: {v: "good"}
        """);
    Path other = dir.resolve("other.yaml");
    Files.writeString(
        other,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: other-cm}
        data: {v: "1"}
        """);
    ConfigDirectoryApplier applier = applier();
    applier.applyAll();

    Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep\n  data: [");
    Files.writeString(
        other,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: other-cm}
        data: {v: "2"}
        """);
    applier.sync();

    assertThat(console).anyMatch(line -> line.contains("keep.yaml is not valid Kubernetes YAML"));
    ConfigMap kept = client.configMaps().inNamespace("default").withName("keep").get();
    assertThat(kept.getData()).containsEntry("v", "good");
    assertThat(client.configMaps().inNamespace("default").withName("other-cm").get().getData())
        .containsEntry("v", "2");
  }

  @Test
  void documentsWithoutIdentityAreRejectedWithTheFileName() throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), "kind: ConfigMap\ndata: {a: b}\n");
    applier().applyAll();
    assertThat(console)
        .anyMatch(l -> l.contains("bad.yaml") && l.contains("apiVersion, kind and metadata.name"));
  }

  private static final String POLICY =
      """
      apiVersion: switchboard.dev/v1alpha1
      kind: RoutingPolicy
      metadata: {name: standard}
      spec:
        strategy: priority
        retry: {%s: 5, retryOn: [timeout]}
        rateLimits:
          - {key: api-key, requestsPerMinute: 60%s}
      %s
      """;

  private Object policyRetry() {
    var policy =
        client
            .genericKubernetesResources("switchboard.dev/v1alpha1", "RoutingPolicy")
            .inNamespace("default")
            .withName("standard")
            .get();
    return policy == null
        ? null
        : ((java.util.Map<?, ?>) policy.getAdditionalProperties().get("spec")).get("retry");
  }

  @Test
  void rejectsAnObjectWithUnknownFieldsAsStrictFieldValidationWouldAndAppliesItOnceFixed()
      throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, POLICY.formatted("maxAttempts", "", ""));
    Path other = dir.resolve("other.yaml");
    Files.writeString(
        other, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {v: \"1\"}\n");
    ConfigDirectoryApplier applier = applier();
    assertThat(applier.applyAll()).isEqualTo(2);
    assertThat(policyRetry().toString()).contains("maxAttempts=5");

    // A typo, a nested unknown field inside a list item, and an unknown top-level spec field.
    Files.writeString(
        file, POLICY.formatted("maxAtempts", ", burst: 10", "  futureFeature: {enabled: true}"));
    Files.writeString(
        other, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {v: \"2\"}\n");
    applier.sync();

    assertThat(console)
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("policy.yaml")
                    .contains("RoutingPolicy default/standard was rejected")
                    // The API server's words: it was asked for strict field validation.
                    .contains("strict decoding error")
                    .contains("unknown field \"spec.retry.maxAtempts\"")
                    .contains("unknown field \"spec.rateLimits[0].burst\"")
                    .contains("unknown field \"spec.futureFeature\""));
    // Nothing of the rejected object was applied; everything else was.
    assertThat(policyRetry().toString()).contains("maxAttempts=5").doesNotContain("maxAtempts");
    assertThat(client.configMaps().inNamespace("default").withName("other").get().getData())
        .containsEntry("v", "2");
    // The rejected object stays tracked: it is still the file's, not deleted.
    assertThat(applier.appliedObjects().get(file))
        .extracting(ConfigDirectoryApplier.ObjectRef::name)
        .containsExactly("standard");

    // Fixing the file applies it.
    Files.writeString(file, POLICY.formatted("maxAttempts", ", tokensPerMinute: 1000", ""));
    applier.sync();
    var applied =
        client
            .genericKubernetesResources("switchboard.dev/v1alpha1", "RoutingPolicy")
            .inNamespace("default")
            .withName("standard")
            .get();
    assertThat(applied.getAdditionalProperties().get("spec").toString())
        .contains("tokensPerMinute=1000")
        .doesNotContain("futureFeature");
  }

  @Test
  void builtInKindsAndMetadataAreValidatedStrictlyByTheServerToo() throws Exception {
    // A misspelt metadata field (which the server would otherwise drop with a warning, leaving the
    // ConfigMap without its labels) and an invalid name, each in its own file.
    Files.writeString(
        dir.resolve("labels.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tagged, lables: {team: blue}}\n"
            + "data: {v: \"1\"}\n");
    Files.writeString(
        dir.resolve("name.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Route_Table}\ndata: {v: \"1\"}\n");
    applier().applyAll();

    assertThat(console)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("config-dir: labels.yaml: ConfigMap default/tagged was rejected:")
                    .contains("strict decoding error: unknown field \"metadata.lables\""));
    assertThat(console)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "config-dir: name.yaml: ConfigMap default/Route_Table was rejected:")
                    .contains("metadata.name: Invalid value: \"Route_Table\""));
    assertThat(client.configMaps().inNamespace("default").withName("tagged").get()).isNull();
  }

  @Test
  void theLocalSamplesApplyUnderStrictValidation() throws Exception {
    // The local stack applies these: nothing in them may be refused by a strict API server.
    try (EmbeddedKubernetesApi strict = EmbeddedKubernetesApi.start()) {
      strict.installCrds(
          Path.of("../crds/providerendpoints.switchboard.dev-v1.yml"),
          Path.of("../crds/routingpolicies.switchboard.dev-v1.yml"),
          Path.of("../crds/modelroutes.switchboard.dev-v1.yml"),
          Path.of("../crds/consumers.switchboard.dev-v1.yml"));
      for (String samples :
          List.of("../config-samples/local", "../config-samples/local-consumer")) {
        try (ConfigDirectoryApplier applier =
            new ConfigDirectoryApplier(
                strict.client(), Path.of(samples), "default", console::add)) {
          assertThat(applier.applyAll()).as(samples).isPositive();
        }
      }
      assertThat(console)
          .noneMatch(line -> line.contains("rejected") || line.contains("not valid"));
    }
  }

  @Test
  void aNewFileWithUnknownFieldsCreatesNothing() throws Exception {
    Files.writeString(
        dir.resolve("new.yaml"),
        POLICY.formatted("maxAtempts", "", "").replace("standard", "fresh"));
    applier().applyAll();

    assertThat(console)
        .anyMatch(l -> l.contains("new.yaml") && l.contains("spec.retry.maxAtempts"));
    assertThat(
            client
                .genericKubernetesResources("switchboard.dev/v1alpha1", "RoutingPolicy")
                .inNamespace("default")
                .withName("fresh")
                .get())
        .isNull();
  }
}
