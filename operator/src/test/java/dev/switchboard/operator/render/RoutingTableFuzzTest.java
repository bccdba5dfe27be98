package dev.switchboard.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.providerendpoint.UpstreamAddressGuard;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzzes the renderer (issue #13): resources in the shape of the CRD schema (the basic fixture with
 * fuzz-chosen leaves replaced by values of the same JSON type, fields the schema does not require
 * removed, list entries removed or duplicated) must render, or have their problems reported, and
 * never make composition throw, neither from scratch nor on top of the last good table. What
 * renders must pass the contract's validator. Runs the committed corpus in plain {@code mvn test};
 * a longer run is documented in the README (Development).
 */
class RoutingTableFuzzTest {

  private static final String NS = "team-a";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final com.fasterxml.jackson.databind.ObjectMapper TREES =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** Values the schema's patterns and enums accept, and near misses, for string leaves. */
  private static final List<String> STRINGS =
      List.of(
          "",
          "0s",
          "1ms",
          "200ms",
          "5s",
          "90s",
          "1h",
          "999999s",
          "-1s",
          "openai",
          "azure-openai",
          "anthropic",
          "openai-compatible",
          "priority",
          "weighted",
          "least-cost",
          "least-latency",
          "full",
          "none",
          "rate-limited",
          "timeout",
          "api-key",
          "route",
          "header:x-team",
          "chat",
          "vision",
          "https://api.openai.com/v1",
          "http://169.254.169.254/latest",
          "http://127.0.0.1:8080/v1",
          "https://user:pw@example.com/v1",
          "gpt-5",
          "openai-prod",
          "anthropic-prod",
          "vllm-local",
          "standard",
          "chat-default",
          "missing",
          "2026-06-01",
          "22:00",
          "Mon",
          "Europe/Berlin",
          "Mars/Olympus");

  private static final List<HasMetadata> BASIC = Fixtures.load("fixtures/namespace-basic.yaml", NS);

  /** The {@code spec} schema of each kind, from the generated CRDs: what "valid" means here. */
  private static final Map<String, JsonNode> SPEC_SCHEMAS =
      Map.of(
          "ProviderEndpoint", specSchema("providerendpoints"),
          "RoutingPolicy", specSchema("routingpolicies"),
          "ModelRoute", specSchema("modelroutes"));

  private final RoutingTableComposer composer = new RoutingTableComposer(new ModelRouteValidator());
  private final ProviderEndpointValidator providerValidator =
      new ProviderEndpointValidator(new UpstreamAddressGuard(false, true));
  private final RoutingPolicyValidator policyValidator = new RoutingPolicyValidator();

  @FuzzTest(maxDuration = "30s")
  void resourcesOfTheSchemasShapeRenderOrReportProblems(FuzzedDataProvider data) {
    List<ObjectNode> documents = new ArrayList<>();
    for (HasMetadata item : BASIC) {
      documents.add((ObjectNode) readTree(SERIALIZATION.asJson(item)));
    }
    int mutations = data.consumeInt(1, 12);
    for (int i = 0; i < mutations && data.remainingBytes() > 0; i++) {
      ObjectNode doc = documents.get(data.consumeInt(0, documents.size() - 1));
      JsonNode schema = SPEC_SCHEMAS.get(doc.path("kind").asText());
      if (schema != null && doc.path("spec").isObject()) {
        mutate(doc.path("spec"), schema, data);
      }
    }
    List<HasMetadata> items = new ArrayList<>();
    for (ObjectNode doc : documents) {
      Optional<HasMetadata> typed = typed(doc);
      if (typed.isEmpty()) {
        return; // not of the schema's shape (e.g. a number too large for its field): out of scope
      }
      items.add(typed.get());
    }

    RenderOutcome fresh = composer.compose(resolve(items), PublishedTable.NONE);
    assertRendered(fresh);
    // On top of the last good table: what is broken now falls back to it, never throws.
    RenderOutcome good = composer.compose(resolve(BASIC), PublishedTable.NONE);
    PublishedTable published =
        new PublishedTable(
            Optional.of(RoutingTableCodec.decode(good.canonicalJson())), good.keys());
    assertRendered(composer.compose(resolve(items), published));
  }

  private static void assertRendered(RenderOutcome outcome) {
    assertThat(RoutingTableValidator.validate(RoutingTableCodec.decode(outcome.canonicalJson())))
        .isEmpty();
    for (RouteOutcome route : outcome.routes().values()) {
      if (route.state() != RouteOutcome.State.CURRENT) {
        assertThat(route.problems()).as("a route not served as declared says why").isNotEmpty();
      }
    }
  }

  /**
   * Walks from {@code node} down a fuzz-chosen path (alongside its {@code schema}) and there
   * replaces a leaf with a value of the same JSON type, removes a field the schema does not
   * require, or removes or duplicates a list entry.
   */
  private static void mutate(JsonNode node, JsonNode schema, FuzzedDataProvider data) {
    while (node.size() > 0 && data.consumeBoolean()) {
      JsonNode child;
      JsonNode childSchema;
      if (node.isObject()) {
        String field = fieldAt(node, data.consumeInt(0, node.size() - 1));
        child = node.get(field);
        childSchema = fieldSchema(schema, field);
      } else {
        child = node.get(data.consumeInt(0, node.size() - 1));
        childSchema = schema.path("items");
      }
      if (!child.isContainerNode()) {
        break;
      }
      node = child;
      schema = childSchema;
    }
    if (node.size() == 0) {
      return;
    }
    int index = data.consumeInt(0, node.size() - 1);
    int operation = data.consumeInt(0, 2);
    if (node instanceof ObjectNode object) {
      String field = fieldAt(object, index);
      boolean required = false;
      for (JsonNode name : schema.path("required")) {
        required |= name.asText().equals(field);
      }
      if (operation == 0 && !required) {
        object.remove(field);
      } else {
        object.set(field, sameType(object.get(field), data));
      }
    } else {
      ArrayNode array = (ArrayNode) node;
      if (operation == 0 && array.size() > schema.path("minItems").asInt(0)) {
        array.remove(index);
      } else if (operation == 1) {
        array.add(array.get(index).deepCopy());
      } else {
        array.set(index, sameType(array.get(index), data));
      }
    }
  }

  private static String fieldAt(JsonNode object, int index) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names.get(index);
  }

  private static JsonNode fieldSchema(JsonNode schema, String field) {
    JsonNode declared = schema.path("properties").path(field);
    return declared.isMissingNode() ? schema.path("additionalProperties") : declared;
  }

  private static JsonNode sameType(JsonNode old, FuzzedDataProvider data) {
    if (old.isTextual()) {
      return TextNode.valueOf(
          data.consumeBoolean() ? data.pickValue(STRINGS) : data.consumeString(40));
    }
    if (old.isBoolean()) {
      return BooleanNode.valueOf(data.consumeBoolean());
    }
    if (old.isIntegralNumber()) {
      return IntNode.valueOf(data.consumeInt(-10, 2_000_000));
    }
    if (old.isNumber()) {
      return DoubleNode.valueOf(data.consumeDouble());
    }
    return old; // containers stay; their children are mutated on other rounds
  }

  private static Optional<HasMetadata> typed(ObjectNode doc) {
    Map<String, Class<? extends HasMetadata>> types =
        Map.of(
            "Secret", Secret.class,
            "ProviderEndpoint", ProviderEndpoint.class,
            "RoutingPolicy", RoutingPolicy.class,
            "ModelRoute", ModelRoute.class);
    try {
      return Optional.of(
          SERIALIZATION.unmarshal(doc.toString(), types.get(doc.path("kind").asText())));
    } catch (Exception notOfTheShape) {
      return Optional.empty();
    }
  }

  private static JsonNode specSchema(String plural) {
    String resource = "META-INF/fabric8/" + plural + ".switchboard.dev-v1.yml";
    try (java.io.InputStream in =
        RoutingTableFuzzTest.class.getClassLoader().getResourceAsStream(resource)) {
      JsonNode crd =
          new com.fasterxml.jackson.databind.ObjectMapper(
                  new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
              .readTree(in);
      return crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode readTree(String json) {
    try {
      return TREES.readTree(json);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private ResolvedNamespace resolve(List<HasMetadata> items) {
    List<Secret> secrets = Fixtures.ofType(items, Secret.class);
    NamespaceView view =
        new NamespaceView(
            NS,
            Fixtures.ofType(items, ProviderEndpoint.class),
            Fixtures.ofType(items, RoutingPolicy.class),
            Fixtures.ofType(items, ModelRoute.class),
            name ->
                secrets.stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst());
    return ResolvedNamespace.resolve(view, providerValidator, policyValidator);
  }
}
