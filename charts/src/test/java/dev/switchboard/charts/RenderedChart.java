package dev.switchboard.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The manifests of one {@code helm template} run, parsed into JSON trees for assertions. */
final class RenderedChart {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final List<JsonNode> documents;

  private RenderedChart(List<JsonNode> documents) {
    this.documents = List.copyOf(documents);
  }

  /** Parses helm's multi-document output, skipping empty documents (a template that is off). */
  static RenderedChart parse(String manifests) {
    List<JsonNode> documents = new ArrayList<>();
    try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(manifests)) {
      var iterator = YAML.readValues(parser, JsonNode.class);
      while (iterator.hasNext()) {
        JsonNode document = iterator.next();
        if (document != null && document.isObject() && document.has("kind")) {
          documents.add(document);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("helm rendered YAML that does not parse", e);
    }
    return new RenderedChart(documents);
  }

  List<JsonNode> all() {
    return documents;
  }

  Stream<JsonNode> ofKind(String kind) {
    return documents.stream().filter(d -> kind.equals(d.path("kind").asText()));
  }

  Optional<JsonNode> find(String kind, String name) {
    return ofKind(kind)
        .filter(d -> name.equals(d.path("metadata").path("name").asText()))
        .findFirst();
  }

  Optional<JsonNode> find(String kind, String namespace, String name) {
    return ofKind(kind)
        .filter(d -> name.equals(d.path("metadata").path("name").asText()))
        .filter(d -> namespace.equals(d.path("metadata").path("namespace").asText()))
        .findFirst();
  }

  JsonNode get(String kind, String name) {
    return find(kind, name)
        .orElseThrow(
            () -> new AssertionError("no " + kind + " named " + name + " in " + summary()));
  }

  /** "Kind/namespace/name" of every document, for readable failure messages. */
  List<String> summary() {
    return documents.stream()
        .map(
            d ->
                d.path("kind").asText()
                    + "/"
                    + d.path("metadata").path("namespace").asText("-")
                    + "/"
                    + d.path("metadata").path("name").asText())
        .toList();
  }
}
