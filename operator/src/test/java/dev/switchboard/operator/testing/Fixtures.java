package dev.switchboard.operator.testing;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Loads multi-document YAML test fixtures into typed resources, placed in a namespace. */
public final class Fixtures {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Pattern KIND = Pattern.compile("(?m)^kind:\\s*(\\w+)");
  private static final Map<String, Class<? extends HasMetadata>> TYPES =
      Map.of(
          "Secret", Secret.class,
          "ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class,
          "ProviderEndpoint", ProviderEndpoint.class,
          "RoutingPolicy", RoutingPolicy.class,
          "ModelRoute", ModelRoute.class);

  private Fixtures() {}

  /** Every document of a classpath YAML file, in order, with the given namespace set. */
  public static List<HasMetadata> load(String resource, String namespace) {
    return parse(text(resource), namespace);
  }

  /**
   * Every resource in the YAML files directly inside {@code directory} (kustomization files
   * skipped), in file-name order, with the given namespace set.
   */
  public static List<HasMetadata> loadDirectory(java.nio.file.Path directory, String namespace) {
    try (var files = java.nio.file.Files.list(directory)) {
      List<HasMetadata> items = new ArrayList<>();
      for (java.nio.file.Path file :
          files
              .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
              .filter(f -> !f.getFileName().toString().startsWith("kustomization"))
              .sorted()
              .toList()) {
        items.addAll(parse(java.nio.file.Files.readString(file), namespace));
      }
      return items;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every document of YAML text, in order, with the given namespace set. */
  public static List<HasMetadata> parse(String yaml, String namespace) {
    List<HasMetadata> items = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      Matcher kind = KIND.matcher(document);
      if (!kind.find()) {
        continue;
      }
      Class<? extends HasMetadata> type = TYPES.get(kind.group(1));
      if (type == null) {
        throw new IllegalArgumentException("fixture kind " + kind.group(1) + " is not supported");
      }
      HasMetadata item = SERIALIZATION.unmarshal(document, type);
      item.getMetadata().setNamespace(namespace);
      items.add(item);
    }
    return items;
  }

  /** The fixture's items of one type. */
  public static <T extends HasMetadata> List<T> ofType(List<HasMetadata> items, Class<T> type) {
    return items.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** A deep copy, so tests can change a fixture without touching the original. */
  public static <T extends HasMetadata> T copy(T item) {
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) item.getClass();
    return SERIALIZATION.unmarshal(SERIALIZATION.asJson(item), type);
  }

  private static String text(String resource) {
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
