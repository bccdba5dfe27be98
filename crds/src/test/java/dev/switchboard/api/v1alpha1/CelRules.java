package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles and evaluates the CRDs' {@code x-kubernetes-validations} rules with CEL-Java, standing
 * in for the API server, which is not available here. Kubernetes' URL library is shimmed: {@code
 * url(s)} yields the string itself and {@code getScheme()} reads its scheme.
 */
final class CelRules {

  /** One rule of a CRD, at a schema path such as {@code spec.targets}. */
  record Rule(String plural, String path, String expression, String message) {
    @Override
    public String toString() {
      return plural + " " + path + ": " + expression;
    }
  }

  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addFunctionDeclarations(
              CelFunctionDecl.newFunctionDeclaration(
                  "isURL",
                  CelOverloadDecl.newGlobalOverload(
                      "isURL_string", SimpleType.BOOL, SimpleType.STRING)),
              CelFunctionDecl.newFunctionDeclaration(
                  "url",
                  CelOverloadDecl.newGlobalOverload(
                      "url_string", SimpleType.STRING, SimpleType.STRING)),
              CelFunctionDecl.newFunctionDeclaration(
                  "getScheme",
                  CelOverloadDecl.newMemberOverload(
                      "url_getScheme", SimpleType.STRING, SimpleType.STRING)))
          .build();

  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder()
          .addFunctionBindings(
              CelFunctionBinding.from("isURL_string", String.class, CelRules::isUrl),
              CelFunctionBinding.from("url_string", String.class, s -> s),
              CelFunctionBinding.from("url_getScheme", String.class, CelRules::scheme))
          .build();

  private static final Map<Rule, CelRuntime.Program> PROGRAMS = new LinkedHashMap<>();

  private static final List<Rule> ALL = collectAll();

  private CelRules() {}

  /** Every rule of the three generated CRDs. */
  static List<Rule> all() {
    return ALL;
  }

  private static List<Rule> collectAll() {
    List<Rule> rules = new ArrayList<>();
    for (String plural : List.of("providerendpoints", "routingpolicies", "modelroutes")) {
      JSONSchemaProps root = GeneratedCrds.schema(plural);
      root.getProperties().forEach((name, child) -> collect(plural, name, child, rules));
    }
    return List.copyOf(rules);
  }

  static List<Rule> at(String plural, String path) {
    return all().stream().filter(r -> r.plural().equals(plural) && r.path().equals(path)).toList();
  }

  private static void collect(String plural, String path, JSONSchemaProps node, List<Rule> out) {
    if (node.getXKubernetesValidations() != null) {
      for (ValidationRule rule : node.getXKubernetesValidations()) {
        out.add(new Rule(plural, path, rule.getRule(), rule.getMessage()));
      }
    }
    if (node.getItems() != null && node.getItems().getSchema() != null) {
      collect(plural, path + "[]", node.getItems().getSchema(), out);
    }
    if (node.getProperties() != null) {
      node.getProperties().forEach((name, child) -> collect(plural, path + "." + name, child, out));
    }
  }

  static CelAbstractSyntaxTree compile(String expression) throws CelValidationException {
    return COMPILER.compile(expression).getAst();
  }

  /** Whether {@code self} satisfies the rule; a rule that does not yield a boolean is an error. */
  static boolean holds(Rule rule, Object self) {
    try {
      CelRuntime.Program program;
      synchronized (PROGRAMS) {
        program = PROGRAMS.get(rule);
        if (program == null) {
          program = RUNTIME.createProgram(compile(rule.expression()));
          PROGRAMS.put(rule, program);
        }
      }
      Object result = program.eval(Map.of("self", self));
      if (!(result instanceof Boolean)) {
        throw new AssertionError(rule + " yielded " + result + " instead of a boolean");
      }
      return (Boolean) result;
    } catch (CelValidationException | CelEvaluationException e) {
      throw new AssertionError(rule + " failed on " + self + ": " + e.getMessage(), e);
    }
  }

  /** Messages of the rules at {@code path} that {@code self} violates. */
  static List<String> violations(String plural, String path, Object self) {
    List<Rule> rules = at(plural, path);
    if (rules.isEmpty()) {
      throw new AssertionError("no CEL rules at " + plural + " " + path);
    }
    return rules.stream().filter(r -> !holds(r, self)).map(Rule::message).toList();
  }

  /**
   * What the API server does with a created object before it runs the CEL rules: the schema's
   * {@code default}s are filled into every object that lacks the field (recursively, a defaulted
   * object getting its own defaults). Returns a defaulted copy of {@code document}.
   */
  static JsonNode withSchemaDefaults(String plural, JsonNode document) {
    JsonNode copy = document.deepCopy();
    applyDefaults(GeneratedCrds.schema(plural), copy);
    return copy;
  }

  private static void applyDefaults(JSONSchemaProps schema, JsonNode node) {
    if (node instanceof ObjectNode object && schema.getProperties() != null) {
      schema
          .getProperties()
          .forEach(
              (name, child) -> {
                if (!object.has(name) && child.getDefault() != null) {
                  object.set(name, child.getDefault().deepCopy());
                }
                JsonNode value = object.get(name);
                if (value != null) {
                  applyDefaults(child, value);
                }
              });
    } else if (node instanceof ArrayNode array
        && schema.getItems() != null
        && schema.getItems().getSchema() != null) {
      array.forEach(element -> applyDefaults(schema.getItems().getSchema(), element));
    }
  }

  /**
   * Messages of every rule of {@code plural} that the whole {@code document} breaks once the schema
   * defaults are applied, as the API server would refuse a create.
   */
  static List<String> refusals(String plural, JsonNode document) {
    JsonNode admitted = withSchemaDefaults(plural, document);
    List<String> messages = new ArrayList<>();
    for (Rule rule : all()) {
      if (!rule.plural().equals(plural)) {
        continue;
      }
      for (JsonNode self : valuesAt(admitted, rule.path())) {
        if (!holds(rule, toCel(self))) {
          messages.add(rule.path() + ": " + rule.message());
        }
      }
    }
    return messages;
  }

  /** Every value at a schema path in a resource document, expanding arrays. */
  static List<JsonNode> valuesAt(JsonNode document, String path) {
    List<JsonNode> current = List.of(document);
    for (String step : path.split("\\.")) {
      boolean items = step.endsWith("[]");
      String name = items ? step.substring(0, step.length() - 2) : step;
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        JsonNode child = node.get(name);
        if (child == null || child.isNull()) {
          continue;
        }
        if (items) {
          child.forEach(next::add);
        } else {
          next.add(child);
        }
      }
      current = next;
    }
    return current;
  }

  /** JSON as the values CEL sees for Kubernetes objects: maps, lists, int64, double, string. */
  static Object toCel(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        map.put(field.getKey(), toCel(field.getValue()));
      }
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(element -> list.add(toCel(element)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.asText();
  }

  /** Like Go's url.ParseRequestURI, which Kubernetes' isURL uses: absolute URL or path. */
  private static boolean isUrl(String text) {
    try {
      URI uri = new URI(text);
      return uri.isAbsolute() || (uri.getPath() != null && uri.getPath().startsWith("/"));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String scheme(String url) {
    try {
      String scheme = new URI(url).getScheme();
      return scheme == null ? "" : scheme;
    } catch (URISyntaxException e) {
      return "";
    }
  }
}
