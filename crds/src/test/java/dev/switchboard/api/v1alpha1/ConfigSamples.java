package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The YAML documents under the repo's config-samples/ folder, one sample set per folder. */
final class ConfigSamples {

  /** Surefire runs in crds/, next to config-samples/. */
  static final Path ROOT = Path.of("..", "config-samples");

  static final String KUSTOMIZATION = "kustomization.yaml";

  private static final YAMLMapper YAML = new YAMLMapper();

  /** One YAML document of a sample file. */
  record Document(Path file, int index, JsonNode node) {

    String kind() {
      return node.path("kind").asText();
    }

    String apiVersion() {
      return node.path("apiVersion").asText();
    }

    String name() {
      return node.path("metadata").path("name").asText();
    }

    @Override
    public String toString() {
      return ROOT.relativize(file) + "#" + index + " " + kind() + "/" + name();
    }
  }

  private ConfigSamples() {}

  /** Every folder holding a kustomization: the production set and config-samples/local. */
  static List<Path> sets() {
    try (Stream<Path> paths = Files.walk(ROOT)) {
      return paths
          .filter(p -> p.getFileName().toString().equals(KUSTOMIZATION))
          .map(Path::getParent)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every resource document in every sample file below {@code dir}, kustomizations excluded. */
  static List<Document> documents(Path dir, boolean recursive) {
    try (Stream<Path> paths = recursive ? Files.walk(dir) : Files.list(dir)) {
      List<Document> documents = new ArrayList<>();
      for (Path file :
          paths
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .filter(p -> !p.getFileName().toString().equals(KUSTOMIZATION))
              .sorted()
              .toList()) {
        documents.addAll(read(file));
      }
      return documents;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Document> all() {
    return documents(ROOT, true);
  }

  static List<Document> read(Path file) throws IOException {
    List<Document> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      int index = 0;
      while (it.hasNext()) {
        JsonNode node = it.next();
        if (node != null && !node.isNull() && !node.isMissingNode() && !node.isEmpty()) {
          documents.add(new Document(file, index, node));
        }
        index++;
      }
    }
    return documents;
  }

  static JsonNode yaml(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }
}
