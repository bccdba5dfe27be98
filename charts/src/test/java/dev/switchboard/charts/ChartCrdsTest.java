package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart ships exactly the generated CRDs: its {@code crds/} folder must equal the committed
 * {@code crds/*.yml} of the crds module, byte for byte.
 */
class ChartCrdsTest {

  private static final String HOW_TO_FIX =
      "refresh the chart's copy: cp crds/*.yml charts/switchboard/crds/ (from the repo root)";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void chartCrdsEqualTheGeneratedCrds() throws IOException {
    Path generatedDir = Charts.crdsDir();
    Path chartCrdsDir = Charts.chartDir().resolve("crds");
    Set<String> generated = yamlFiles(generatedDir);
    assertThat(generated)
        .as("no generated CRD YAML (*.yml) in %s: build the crds module first", generatedDir)
        .isNotEmpty();
    assertThat(Files.isDirectory(chartCrdsDir))
        .as("%s is missing; %s", chartCrdsDir, HOW_TO_FIX)
        .isTrue();

    assertThat(yamlFiles(chartCrdsDir))
        .as("CRD files in %s versus %s; %s", chartCrdsDir, generatedDir, HOW_TO_FIX)
        .isEqualTo(generated);
    for (String file : generated) {
      assertThat(Files.readString(chartCrdsDir.resolve(file)))
          .as("%s differs from the generated CRD; %s", file, HOW_TO_FIX)
          .isEqualTo(Files.readString(generatedDir.resolve(file)));
    }
  }

  @Test
  void operatorRbacCoversEveryShippedKindAndItsStatus() throws IOException {
    Path chartCrdsDir = Charts.chartDir().resolve("crds");
    Set<String> files = Files.isDirectory(chartCrdsDir) ? yamlFiles(chartCrdsDir) : Set.of();
    assertThat(files).as("no CRDs in %s; %s", chartCrdsDir, HOW_TO_FIX).isNotEmpty();
    Map<String, Set<String>> grants =
        RbacRules.of(
            Charts.template().find("Role", Charts.NAMESPACE, "switchboard-operator").orElseThrow());

    for (String file : files) {
      JsonNode crd = YAML.readTree(chartCrdsDir.resolve(file).toFile());
      String group = crd.at("/spec/group").asText();
      String plural = crd.at("/spec/names/plural").asText();
      assertThat(crd.at("/spec/scope").asText()).as(file).isEqualTo("Namespaced");
      assertThat(grants.get(group + "/" + plural))
          .as("%s/%s", group, plural)
          .contains("get", "list", "watch");
      assertThat(grants.get(group + "/" + plural + "/status"))
          .as("%s/%s/status", group, plural)
          .contains("patch");
    }
  }

  /** Catalogues (Artifact Hub) list the kinds a chart installs from this annotation. */
  @Test
  void chartAnnotationListsEveryShippedKind() throws IOException {
    Path chartCrdsDir = Charts.chartDir().resolve("crds");
    JsonNode chart = YAML.readTree(Charts.chartDir().resolve("Chart.yaml").toFile());
    JsonNode listed = YAML.readTree(chart.at("/annotations/artifacthub.io~1crds").asText());
    Set<String> annotated = new TreeSet<>();
    listed.forEach(k -> annotated.add(k.path("kind").asText() + "/" + k.path("version").asText()));

    Set<String> shipped = new TreeSet<>();
    for (String file : yamlFiles(chartCrdsDir)) {
      JsonNode crd = YAML.readTree(chartCrdsDir.resolve(file).toFile());
      crd.at("/spec/versions")
          .forEach(
              v -> {
                if (v.path("served").asBoolean()) {
                  shipped.add(crd.at("/spec/names/kind").asText() + "/" + v.path("name").asText());
                }
              });
    }
    assertThat(shipped).isNotEmpty();
    assertThat(annotated).as("artifacthub.io/crds in Chart.yaml").isEqualTo(shipped);
  }

  /**
   * Argo CD applies the chart's crds/ as ordinary resources of the Application, so deleting the
   * Application (cascade, the UI's default) or a sync that no longer renders them (prune) would
   * delete the CRDs, and with them every ProviderEndpoint, RoutingPolicy, ModelRoute and Consumer
   * of every namespace, the teams' Applications included. Helm never deletes crds/; Argo CD must
   * not either.
   */
  @Test
  void argoCdNeverPrunesOrDeletesTheShippedCrds() throws IOException {
    Path chartCrdsDir = Charts.chartDir().resolve("crds");
    Set<String> files = yamlFiles(chartCrdsDir);
    assertThat(files).isNotEmpty();
    for (String file : files) {
      JsonNode crd = YAML.readTree(chartCrdsDir.resolve(file).toFile());
      String syncOptions =
          crd.at("/metadata/annotations").path("argocd.argoproj.io/sync-options").asText();
      assertThat(java.util.Arrays.stream(syncOptions.split(",")).map(String::trim).toList())
          .as("%s: argocd.argoproj.io/sync-options", file)
          .contains("Prune=false", "Delete=false");
    }
  }

  /**
   * Helm creates the CRDs on first install, so field manager "helm" owns their fields: the README's
   * upgrade command must take them over, or the API server refuses it with a conflict.
   */
  @Test
  void readmeCrdUpgradeCommandForcesTheConflictWithHelm() throws IOException {
    java.util.List<String> applies =
        Files.readAllLines(Charts.chartDir().resolve("README.md")).stream()
            .filter(line -> line.contains("kubectl apply") && line.contains("crds"))
            .toList();

    assertThat(applies).as("the README's CRD upgrade command").isNotEmpty();
    assertThat(applies)
        .allSatisfy(
            line ->
                assertThat(line)
                    .contains("--server-side")
                    .contains("--force-conflicts")
                    .contains("charts/switchboard/crds/"));
  }

  private static Set<String> yamlFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(name -> name.endsWith(".yml") || name.endsWith(".yaml"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
