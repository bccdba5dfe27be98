package dev.switchboard.e2e.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Applies a directory of Kubernetes YAML to an API server the way a GitOps tool would, and keeps
 * doing so while the directory changes: a file created or changed is applied (its objects created
 * or updated), objects that left a file are deleted, and a deleted file deletes its objects. A file
 * that does not parse is reported and skipped; every other file keeps its last applied state.
 * Objects are written with {@code fieldValidation=Strict}, as {@code kubectl apply} writes them by
 * default: the API server refuses an object with fields its schema (a CRD's, or ObjectMeta's) does
 * not declare, and its message, naming each field, is reported with the file; such an object, like
 * one the server refuses for any other reason, keeps its last applied state.
 *
 * <p>Like a real API server, Secret {@code stringData} is folded into {@code data} before the
 * object is sent (the mock API server does not do it).
 */
public final class ConfigDirectoryApplier implements AutoCloseable {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> YAML_SUFFIXES = Set.of(".yaml", ".yml");
  // Applied in this order so that references exist before the objects that use them.
  private static final List<String> KIND_ORDER =
      List.of(
          "Namespace",
          "CustomResourceDefinition",
          "Secret",
          "ConfigMap",
          "ProviderEndpoint",
          "RoutingPolicy",
          "ModelRoute");

  private static final int HTTP_BAD_REQUEST = 400;
  private static final int HTTP_CONFLICT = 409;
  private static final int MAX_CONFLICT_RETRIES = 5;

  private final KubernetesClient client;
  private final Path directory;
  private final String defaultNamespace;
  private final Consumer<String> console;
  private final Map<Path, String> appliedDigests = new HashMap<>();
  private final Map<Path, Set<ObjectRef>> appliedObjects = new HashMap<>();
  private ScheduledExecutorService watcher;

  /** Identity of an applied object. */
  public record ObjectRef(String apiVersion, String kind, String namespace, String name) {
    @Override
    public String toString() {
      return kind + " " + namespace + "/" + name;
    }
  }

  public ConfigDirectoryApplier(
      KubernetesClient client, Path directory, String defaultNamespace, Consumer<String> console) {
    this.client = client;
    this.directory = directory;
    this.defaultNamespace = defaultNamespace;
    this.console = console;
  }

  /** Applies every changed file once; returns how many objects were applied. */
  public synchronized int applyAll() {
    return applyChanged(yamlFiles());
  }

  /** Polls the directory every {@code periodMillis} and applies what changed. */
  public void watch(long periodMillis) {
    watcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "config-dir-watcher");
              t.setDaemon(true);
              return t;
            });
    watcher.scheduleWithFixedDelay(
        this::syncSafely, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  private void syncSafely() {
    try {
      sync();
    } catch (RuntimeException e) {
      console.accept("config-dir: " + e.getMessage());
    }
  }

  /** One pass: apply changed and new files, delete the objects of removed files. */
  public synchronized void sync() {
    List<Path> present = yamlFiles();
    applyChanged(present);
    for (Path gone : new ArrayList<>(appliedObjects.keySet())) {
      if (!present.contains(gone)) {
        for (ObjectRef ref : appliedObjects.remove(gone)) {
          delete(ref, gone);
        }
        appliedDigests.remove(gone);
        console.accept("config-dir: " + relative(gone) + " removed: its objects were deleted");
      }
    }
  }

  /** A parsed document and the file it came from. */
  private record Document(Path file, ObjectNode object) {}

  /**
   * Applies the changed files among {@code files}. Documents of all changed files are applied
   * together in kind order (Secrets before the ProviderEndpoints that use them, and so on), the way
   * {@code kubectl apply -f dir/} orders them.
   */
  private int applyChanged(List<Path> files) {
    List<Path> changed = new ArrayList<>();
    List<Document> documents = new ArrayList<>();
    for (Path file : files) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        continue; // vanished between listing and reading; the next pass sees it gone
      }
      String digest = sha256(bytes);
      if (digest.equals(appliedDigests.get(file))) {
        continue;
      }
      appliedDigests.put(file, digest);
      try {
        parse(bytes).forEach(object -> documents.add(new Document(file, object)));
        changed.add(file);
      } catch (IOException | RuntimeException e) {
        // MappingIterator wraps YAML syntax errors in unchecked exceptions.
        console.accept(
            "config-dir: "
                + relative(file)
                + " is not valid Kubernetes YAML, left as it was: "
                + firstLine(e.getMessage()));
      }
    }
    documents.sort(Comparator.comparingInt(d -> kindRank(d.object().get("kind").asText())));

    Map<Path, Set<ObjectRef>> now = new LinkedHashMap<>();
    changed.forEach(file -> now.put(file, new LinkedHashSet<>()));
    int applied = 0;
    for (Document document : documents) {
      ObjectRef ref = refOf(document.object());
      try {
        apply(document.object());
        now.get(document.file()).add(ref);
        applied++;
      } catch (KubernetesClientException e) {
        rejected(document, ref, now, refusal(e));
      }
    }
    for (var entry : now.entrySet()) {
      Path file = entry.getKey();
      for (ObjectRef old : appliedObjects.getOrDefault(file, Set.of())) {
        if (!entry.getValue().contains(old)) {
          delete(old, file);
        }
      }
      appliedObjects.put(file, entry.getValue());
      console.accept(
          "config-dir: applied " + relative(file) + " (" + entry.getValue().size() + " objects)");
    }
    return applied;
  }

  /** The API server's reason for refusing a write, as it words it. */
  private static String refusal(KubernetesClientException e) {
    String message =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : firstLine(e.getMessage());
    if (e.getCode() == HTTP_BAD_REQUEST && message.contains("strict decoding error")) {
      return message
          + " (strict field validation, as kubectl apply does); nothing of it was applied,"
          + " fix the file to apply it";
    }
    return message;
  }

  private void rejected(
      Document document, ObjectRef ref, Map<Path, Set<ObjectRef>> now, String why) {
    console.accept(
        "config-dir: " + relative(document.file()) + ": " + ref + " was rejected: " + why);
    // Keep tracking it if it had been applied before: what was applied stays live, and a later
    // removal from the file still deletes it.
    if (appliedObjects.getOrDefault(document.file(), Set.of()).contains(ref)) {
      now.get(document.file()).add(ref);
    }
  }

  private List<ObjectNode> parse(byte[] bytes) throws IOException {
    List<ObjectNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        YAML.readerFor(JsonNode.class).readValues(new String(bytes, StandardCharsets.UTF_8))) {
      while (it.hasNext()) {
        JsonNode node = it.next();
        if (node == null || node.isNull() || node.isEmpty()) {
          continue; // empty document between separators
        }
        if (!(node instanceof ObjectNode object)
            || !object.hasNonNull("apiVersion")
            || !object.hasNonNull("kind")
            || !object.path("metadata").hasNonNull("name")) {
          throw new IllegalArgumentException(
              "every document needs apiVersion, kind and metadata.name");
        }
        ObjectNode metadata = (ObjectNode) object.get("metadata");
        if (!metadata.hasNonNull("namespace") && isNamespaced(object.get("kind").asText())) {
          metadata.put("namespace", defaultNamespace);
        }
        if ("Secret".equals(object.get("kind").asText())) {
          foldStringData(object);
        }
        documents.add(object);
      }
    }
    return documents;
  }

  private static boolean isNamespaced(String kind) {
    return !kind.equals("Namespace") && !kind.equals("CustomResourceDefinition");
  }

  private static int kindRank(String kind) {
    int i = KIND_ORDER.indexOf(kind);
    return i < 0 ? KIND_ORDER.size() : i;
  }

  /** What the API server does on write: stringData entries win over data entries. */
  static void foldStringData(ObjectNode secret) {
    JsonNode stringData = secret.remove("stringData");
    if (stringData == null || !stringData.isObject()) {
      return;
    }
    ObjectNode data =
        secret.has("data") && secret.get("data").isObject()
            ? (ObjectNode) secret.get("data")
            : secret.putObject("data");
    Iterator<Map.Entry<String, JsonNode>> fields = stringData.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      data.put(
          field.getKey(),
          Base64.getEncoder()
              .encodeToString(field.getValue().asText().getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** Creates or replaces one object, retrying when the operator wrote it in between (409). */
  private void apply(ObjectNode document) {
    for (int attempt = 1; ; attempt++) {
      try {
        applyOnce(YAML.convertValue(document, GenericKubernetesResource.class));
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HTTP_CONFLICT || attempt == MAX_CONFLICT_RETRIES) {
          throw e;
        }
      }
    }
  }

  private void applyOnce(GenericKubernetesResource resource) {
    var existing = client.genericKubernetesResources(resource.getApiVersion(), resource.getKind());
    var target =
        resource.getMetadata().getNamespace() == null
            ? existing.withName(resource.getMetadata().getName())
            : existing
                .inNamespace(resource.getMetadata().getNamespace())
                .withName(resource.getMetadata().getName());
    GenericKubernetesResource current = target.get();
    if (current == null) {
      client.resource(resource).fieldValidation(FieldValidateable.Validation.STRICT).create();
      return;
    }
    // Replace what the file says (spec, data, labels, annotations) and keep what the server and
    // the operator own (status, resourceVersion, uid): like `kubectl apply`, a re-apply never
    // wipes the operator's status. A PUT rather than a merge patch, because the mock API server
    // bumps metadata.generation only on update, and the operator keys revisions on generation.
    resource.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    resource.getMetadata().setUid(current.getMetadata().getUid());
    resource.getMetadata().setCreationTimestamp(current.getMetadata().getCreationTimestamp());
    resource.getMetadata().setGeneration(current.getMetadata().getGeneration());
    resource.getMetadata().setFinalizers(current.getMetadata().getFinalizers());
    resource.getMetadata().setOwnerReferences(current.getMetadata().getOwnerReferences());
    if (current.getAdditionalProperties().containsKey("status")) {
      resource
          .getAdditionalProperties()
          .put("status", current.getAdditionalProperties().get("status"));
    }
    client.resource(resource).fieldValidation(FieldValidateable.Validation.STRICT).update();
  }

  private void delete(ObjectRef ref, Path file) {
    try {
      var resources = client.genericKubernetesResources(ref.apiVersion(), ref.kind());
      (ref.namespace() == null
              ? resources.withName(ref.name())
              : resources.inNamespace(ref.namespace()).withName(ref.name()))
          .delete();
      console.accept("config-dir: deleted " + ref + " (no longer in " + relative(file) + ")");
    } catch (KubernetesClientException e) {
      console.accept("config-dir: could not delete " + ref + ": " + firstLine(e.getMessage()));
    }
  }

  private ObjectRef refOf(ObjectNode document) {
    JsonNode metadata = document.get("metadata");
    return new ObjectRef(
        document.get("apiVersion").asText(),
        document.get("kind").asText(),
        metadata.hasNonNull("namespace") ? metadata.get("namespace").asText() : null,
        metadata.get("name").asText());
  }

  private List<Path> yamlFiles() {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(directory)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> YAML_SUFFIXES.stream().anyMatch(s -> p.getFileName().toString().endsWith(s)))
          .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      console.accept("config-dir: cannot list " + directory + ": " + e.getMessage());
      return List.of();
    }
  }

  private String relative(Path file) {
    return directory.relativize(file).toString();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no detail)";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The file (relative to the directory) an object was last applied from. */
  public synchronized Optional<String> fileOf(ObjectRef ref) {
    return appliedObjects.entrySet().stream()
        .filter(e -> e.getValue().contains(ref))
        .map(e -> relative(e.getKey()))
        .findFirst();
  }

  /** Objects currently applied from each file (for tests and the console). */
  public synchronized Map<Path, Set<ObjectRef>> appliedObjects() {
    return new LinkedHashMap<>(appliedObjects);
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }
}
