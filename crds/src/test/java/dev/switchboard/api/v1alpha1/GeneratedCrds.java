package dev.switchboard.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Access to the CRD YAML the build generated into target/classes/META-INF/fabric8. */
final class GeneratedCrds {

  /** File names of the generated CRDs, one per kind. */
  static final List<String> FILE_NAMES =
      List.of(
          "consumers.switchboard.dev-v1.yml",
          "modelroutes.switchboard.dev-v1.yml",
          "providerendpoints.switchboard.dev-v1.yml",
          "routingpolicies.switchboard.dev-v1.yml");

  private GeneratedCrds() {}

  static String text(String fileName) {
    String resource = "/META-INF/fabric8/" + fileName;
    try (InputStream in = GeneratedCrds.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            resource + " is missing: the crd-generator plugin runs in process-classes");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Map<String, CustomResourceDefinition> PARSED = new ConcurrentHashMap<>();

  /** The parsed CRD; shared between tests, so callers must not modify it. */
  static CustomResourceDefinition crd(String plural) {
    return PARSED.computeIfAbsent(
        plural,
        p ->
            Serialization.unmarshal(
                text(p + ".switchboard.dev-v1.yml"), CustomResourceDefinition.class));
  }

  /** The schema of the single served version. */
  static JSONSchemaProps schema(String plural) {
    return crd(plural).getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
  }

  /**
   * The schema node at a dotted path below {@code root}; {@code []} steps into array items and
   * {@code {}} into map values, e.g. {@code spec.targets[].providerRef.name}.
   */
  static JSONSchemaProps at(JSONSchemaProps root, String path) {
    JSONSchemaProps node = root;
    for (String step : path.split("\\.")) {
      boolean items = step.endsWith("[]");
      boolean values = step.endsWith("{}");
      String name = items || values ? step.substring(0, step.length() - 2) : step;
      JSONSchemaProps child = node.getProperties() == null ? null : node.getProperties().get(name);
      if (child == null) {
        throw new AssertionError("no property '" + name + "' on the way to " + path);
      }
      node = child;
      if (items) {
        node = node.getItems().getSchema();
      } else if (values) {
        node = node.getAdditionalProperties().getSchema();
      }
    }
    return node;
  }
}
