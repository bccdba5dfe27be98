package dev.switchboard.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.switchboard.api.v1alpha1.ConfigSamples.Document;
import dev.switchboard.contract.ProviderKind;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sample users copy must be a valid resource: it binds to the Java types without unknown
 * fields, round-trips without losing any, passes the generated schema, and its references resolve
 * within its sample set.
 */
class ConfigSamplesTest {

  /** Kinds a sample may contain, by apiVersion/kind, with the type it binds to. */
  private static final Map<String, Class<? extends HasMetadata>> KNOWN_KINDS =
      Map.of(
          "switchboard.dev/v1alpha1/ProviderEndpoint", ProviderEndpoint.class,
          "switchboard.dev/v1alpha1/RoutingPolicy", RoutingPolicy.class,
          "switchboard.dev/v1alpha1/ModelRoute", ModelRoute.class,
          "switchboard.dev/v1alpha1/Consumer", Consumer.class,
          "v1/Secret", Secret.class,
          "v1/ConfigMap", ConfigMap.class);

  private static final Map<String, String> PLURALS =
      Map.of(
          "ProviderEndpoint", "providerendpoints",
          "RoutingPolicy", "routingpolicies",
          "ModelRoute", "modelroutes",
          "Consumer", "consumers");

  /** Fabric8's serialization over a mapper that rejects unknown properties, so typos fail. */
  private static final ObjectMapper STRICT_MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final KubernetesSerialization STRICT =
      new KubernetesSerialization(STRICT_MAPPER, false);

  private static final Map<String, JsonSchema> SCHEMAS = new HashMap<>();

  static List<Document> allDocuments() {
    return ConfigSamples.all();
  }

  static Stream<Document> customResources() {
    return ConfigSamples.all().stream().filter(d -> PLURALS.containsKey(d.kind()));
  }

  static List<Path> sampleSets() {
    return ConfigSamples.sets();
  }

  @Test
  void thereAreSamplesAndBothSets() {
    assertThat(sampleSets())
        .extracting(p -> p.normalize().toString())
        .contains(ConfigSamples.ROOT.normalize().toString())
        .contains(ConfigSamples.ROOT.resolve("local").normalize().toString());
    assertThat(customResources().map(Document::kind).distinct())
        .containsExactlyInAnyOrder("ProviderEndpoint", "RoutingPolicy", "ModelRoute", "Consumer");
  }

  @ParameterizedTest
  @MethodSource("allDocuments")
  void everyDocumentIsOfAKnownKind(Document doc) {
    assertThat(KNOWN_KINDS).containsKey(doc.apiVersion() + "/" + doc.kind());
    assertThat(doc.name()).as("metadata.name").isNotBlank();
  }

  @ParameterizedTest
  @MethodSource("customResources")
  void bindsToTheJavaTypesAndRoundTripsWithoutLosingFields(Document doc) throws IOException {
    HasMetadata resource = bind(doc.node());

    assertThat(resource.getMetadata().getName()).isEqualTo(doc.name());
    JsonNode back = STRICT_MAPPER.readTree(STRICT.asJson(resource));
    assertThat(back.equals(NUMERIC_VALUE, doc.node()))
        .as("round trip of %s changed it:%n  sample: %s%n  typed:  %s", doc, doc.node(), back)
        .isTrue();
  }

  @Test
  void aMistypedFieldIsRejected() {
    ObjectNode node = (ObjectNode) firstOfKind("ModelRoute").node().deepCopy();
    ((ObjectNode) node.get("spec")).set("targetz", node.get("spec").get("targets"));

    assertThatThrownBy(() -> bind(node)).hasMessageContaining("targetz");
  }

  @ParameterizedTest
  @MethodSource("customResources")
  void satisfiesTheGeneratedSchema(Document doc) {
    Set<ValidationMessage> problems = schema(doc.kind()).validate(doc.node());
    assertThat(problems).as(doc.toString()).isEmpty();
  }

  @Test
  void theSchemaCheckCanFail() {
    ObjectNode node = (ObjectNode) firstOfKind("ModelRoute").node().deepCopy();
    ObjectNode target = (ObjectNode) node.get("spec").get("targets").get(0);
    target.put("weight", 150);
    target.remove("model");

    assertThat(schema("ModelRoute").validate(node))
        .extracting(ValidationMessage::getMessage)
        .anySatisfy(m -> assertThat(m).contains("weight"))
        .anySatisfy(m -> assertThat(m).contains("model"));
  }

  @ParameterizedTest
  @MethodSource("sampleSets")
  void kustomizationListsExactlyTheFilesOfItsFolder(Path set) throws IOException {
    JsonNode kustomization = ConfigSamples.yaml(set.resolve(ConfigSamples.KUSTOMIZATION));
    Set<String> listed = new TreeSet<>();
    kustomization.path("resources").forEach(r -> listed.add(r.asText()));
    try (Stream<Path> files = Files.list(set)) {
      Set<String> present =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".yaml") && !n.equals(ConfigSamples.KUSTOMIZATION))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(listed).isEqualTo(present);
    }
  }

  @ParameterizedTest
  @MethodSource("sampleSets")
  void referencesResolveWithinTheSet(Path set) {
    List<Document> docs = ConfigSamples.documents(set, false);
    Map<String, Secret> secrets = byName(docs, "Secret", Secret.class);
    Map<String, ConfigMap> configMaps = byName(docs, "ConfigMap", ConfigMap.class);
    Map<String, ProviderEndpoint> providers =
        byName(docs, "ProviderEndpoint", ProviderEndpoint.class);
    Map<String, RoutingPolicy> policies = byName(docs, "RoutingPolicy", RoutingPolicy.class);
    Map<String, ModelRoute> routes = byName(docs, "ModelRoute", ModelRoute.class);

    providers.forEach(
        (name, pe) -> {
          SecretKeyRef ref = pe.getSpec().getApiKeySecretRef();
          if (ref != null) {
            assertThat(secrets).as("Secret of %s", name).containsKey(ref.getName());
            String key = ref.getKey() == null ? "apiKey" : ref.getKey();
            assertThat(secrets.get(ref.getName()).getStringData())
                .as("key %s of Secret %s", key, ref.getName())
                .containsKey(key);
          }
        });
    policies.forEach(
        (name, rp) -> {
          if (rp.getSpec().getDriftCheck() != null) {
            assertThat(configMaps)
                .containsKey(rp.getSpec().getDriftCheck().getPromptsConfigMapRef().getName());
          }
        });
    Set<String> clientNames = new TreeSet<>();
    routes.forEach(
        (name, mr) -> {
          ModelRouteSpec spec = mr.getSpec();
          if (spec.getPolicyRef() != null) {
            assertThat(policies)
                .as("policy of %s", name)
                .containsKey(spec.getPolicyRef().getName());
          }
          Stream.concat(
                  spec.getTargets().stream(),
                  spec.getRules() == null
                      ? Stream.empty()
                      : spec.getRules().stream().flatMap(r -> r.getTargets().stream()))
              .forEach(target -> assertTargetResolves(name, target, providers));
          String model = spec.getModel() == null ? name : spec.getModel();
          assertThat(clientNames.add(model)).as("model name %s used twice", model).isTrue();
          if (spec.getAliases() != null) {
            spec.getAliases()
                .forEach(a -> assertThat(clientNames.add(a)).as("alias %s used twice", a).isTrue());
          }
        });
  }

  private static void assertTargetResolves(
      String route, RouteTarget target, Map<String, ProviderEndpoint> providers) {
    String provider = target.getProviderRef().getName();
    assertThat(providers).as("provider of route %s", route).containsKey(provider);
    List<ProviderModel> models = providers.get(provider).getSpec().getModels();
    if (models != null && !models.isEmpty()) {
      assertThat(models)
          .extracting(ProviderModel::getName)
          .as("models of %s used by route %s", provider, route)
          .contains(target.getModel());
    }
  }

  @Test
  void productionSamplesCoverEveryProviderKind() {
    Set<String> kinds =
        ConfigSamples.documents(ConfigSamples.ROOT, false).stream()
            .filter(d -> d.kind().equals("ProviderEndpoint"))
            .map(d -> d.node().path("spec").path("provider").asText())
            .collect(Collectors.toSet());
    assertThat(kinds)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(ProviderKind.values()).map(ProviderKind::wireName).toList());
  }

  /** The local stack and the e2e tests rely on these names, ports and keys. */
  @Test
  void localSetIsWhatTheLocalStackExpects() {
    List<Document> docs = ConfigSamples.documents(ConfigSamples.ROOT.resolve("local"), false);
    assertThat(docs)
        .allSatisfy(
            d ->
                assertThat(d.node().path("metadata").path("namespace").asText())
                    .isEqualTo("default"));

    Map<String, ProviderEndpoint> providers =
        byName(docs, "ProviderEndpoint", ProviderEndpoint.class);
    Map<String, String> baseUrls =
        providers.values().stream()
            .collect(
                Collectors.toMap(
                    pe -> pe.getSpec().getProvider(), pe -> pe.getSpec().getBaseUrl()));
    assertThat(baseUrls)
        .containsEntry("openai", "http://127.0.0.1:18081/v1")
        .containsEntry("openai-compatible", "http://127.0.0.1:18082/v1")
        .containsEntry("azure-openai", "http://127.0.0.1:18083");
    assertThat(byName(docs, "Secret", Secret.class).values())
        .flatExtracting(s -> s.getStringData().values())
        .containsExactlyInAnyOrder("sk-local-primary", "sk-local-secondary", "local-azure-key");
    assertThat(byName(docs, "RoutingPolicy", RoutingPolicy.class)).containsKey("standard");

    Map<String, ModelRoute> routes = byName(docs, "ModelRoute", ModelRoute.class);
    ModelRouteSpec chat = routes.get("chat-default").getSpec();
    assertThat(chat.getAliases()).containsExactly("gpt-4o");
    assertThat(chat.getTargets())
        .extracting(
            t -> providers.get(t.getProviderRef().getName()).getSpec().getBaseUrl(),
            RouteTarget::getModel,
            RouteTarget::getPriority)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("http://127.0.0.1:18081/v1", "gpt-4o-mini", 0),
            org.assertj.core.groups.Tuple.tuple(
                "http://127.0.0.1:18082/v1", "llama-3.1-8b-instruct", 1));
    ModelRouteSpec embeddings = routes.get("embeddings-default").getSpec();
    assertThat(embeddings.getModel()).isEqualTo("text-embedding-3-small");
    assertThat(embeddings.getTargets())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getModel()).isEqualTo("text-embedding-3-small");
              assertThat(providers.get(t.getProviderRef().getName()).getSpec().getBaseUrl())
                  .isEqualTo("http://127.0.0.1:18081/v1");
            });
  }

  private static HasMetadata bind(JsonNode node) {
    String kind = node.path("kind").asText();
    Class<? extends HasMetadata> type =
        KNOWN_KINDS.get(node.path("apiVersion").asText() + "/" + kind);
    assertThat(type).as("known kind %s", kind).isNotNull();
    return STRICT.convertValue(node, type);
  }

  private static <T extends HasMetadata> Map<String, T> byName(
      List<Document> docs, String kind, Class<T> type) {
    return docs.stream()
        .filter(d -> d.kind().equals(kind))
        .map(d -> type.cast(bind(d.node())))
        .collect(Collectors.toMap(r -> r.getMetadata().getName(), Function.identity()));
  }

  private static Document firstOfKind(String kind) {
    return ConfigSamples.all().stream()
        .filter(d -> d.kind().equals(kind))
        .findFirst()
        .orElseThrow();
  }

  private static synchronized JsonSchema schema(String kind) {
    return SCHEMAS.computeIfAbsent(
        kind,
        k -> {
          JsonNode openApi = STRICT_MAPPER.valueToTree(GeneratedCrds.schema(PLURALS.get(k)));
          return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(openApi);
        });
  }

  /** YAML {@code 0} and a Double's {@code 0.0} are the same value. */
  private static final Comparator<JsonNode> NUMERIC_VALUE =
      (a, b) -> {
        if (a.equals(b)) {
          return 0;
        }
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return 1;
      };
}
