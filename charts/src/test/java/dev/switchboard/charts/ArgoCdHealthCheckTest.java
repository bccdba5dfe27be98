package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * Runs the Argo CD health checks shipped in {@code charts/switchboard/argocd/} on resource objects
 * and checks the status and message Argo CD would show.
 */
class ArgoCdHealthCheckTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Stream<Arguments> cases() {
    return Stream.of(
        // ModelRoute
        Arguments.of("ModelRoute", "{}", "Progressing", "Waiting for the operator to reconcile"),
        Arguments.of(
            "ModelRoute",
            status(4, 3, "Stable", ready("True", "RoutingTablePublished", "")),
            "Progressing",
            "observe generation 4"),
        Arguments.of(
            "ModelRoute",
            status(3, 3, "Stable", ready("True", "RoutingTablePublished", "served by 2 targets")),
            "Healthy",
            "RoutingTablePublished: served by 2 targets"),
        Arguments.of(
            "ModelRoute",
            status(
                3,
                3,
                "Stable",
                ready(
                    "False", "ReferencesUnresolved", "ProviderEndpoint anthropic-prod not found")),
            "Degraded",
            "ReferencesUnresolved: ProviderEndpoint anthropic-prod not found"),
        Arguments.of(
            "ModelRoute",
            canary("Progressing", ready("True", "RoutingTablePublished", "")),
            "Progressing",
            "Canary progressing at weight 25% (step 1)"),
        Arguments.of(
            "ModelRoute",
            canary("Paused", ready("True", "RoutingTablePublished", "")),
            "Progressing",
            "Canary paused at weight 25%"),
        // A split canary that pinTarget keeps from traffic serves stable deliberately and waits
        // for a decision: Healthy with a message, not Progressing for ever (which held every
        // later sync wave), nor Suspended (which a wave waits on too).
        Arguments.of(
            "ModelRoute",
            canaryAt(
                "Progressing",
                0,
                ready("True", "RoutingTablePublished", ""),
                condition(
                    "CanaryHealthy",
                    "False",
                    "SplitDisabledByPinTarget",
                    "the split canary of revision 7 gets no traffic")),
            "Healthy",
            "Canary takes no traffic, stable serves (needs shadow mode, pinTarget: false, or"
                + " promote/abort): SplitDisabledByPinTarget: the split canary of revision 7"),
        Arguments.of(
            "ModelRoute",
            canaryAt(
                "Paused",
                0,
                ready("True", "RoutingTablePublished", ""),
                condition("CanaryHealthy", "False", "SplitDisabledByPinTarget", "")),
            "Healthy",
            "SplitDisabledByPinTarget"),
        Arguments.of(
            "ModelRoute",
            canaryAt(
                "Progressing",
                0,
                ready("False", "ReferencesUnresolved", "policy gone"),
                condition("CanaryHealthy", "False", "SplitDisabledByPinTarget", "")),
            "Degraded",
            "ReferencesUnresolved: policy gone"),
        Arguments.of(
            "ModelRoute",
            canaryAt(
                "RolledBack",
                0,
                ready("True", "RoutingTablePublished", ""),
                condition("CanaryHealthy", "False", "Aborted", "aborted by the annotation")),
            "Degraded",
            "Canary rolled back: Aborted: aborted by the annotation"),
        Arguments.of(
            "ModelRoute",
            canary(
                "RolledBack",
                ready("True", "RoutingTablePublished", ""),
                condition("CanaryHealthy", "False", "AnalysisFailed", "error rate 0.08 > 0.02")),
            "Degraded",
            "Canary rolled back: AnalysisFailed: error rate 0.08 > 0.02"),
        Arguments.of(
            "ModelRoute",
            canary("Failed", ready("False", "CanaryFailed", "no stable revision to return to")),
            "Degraded",
            "Rollout failed: CanaryFailed: no stable revision to return to"),
        Arguments.of(
            "ModelRoute",
            canary("Progressing", ready("False", "ReferencesUnresolved", "policy gone")),
            "Degraded",
            "ReferencesUnresolved: policy gone"),
        Arguments.of(
            "ModelRoute",
            status(2, 2, "Stable", ready("Unknown", "Reconciling", "")),
            "Progressing",
            "Waiting for the Ready condition"),
        Arguments.of(
            "ModelRoute",
            "{\"status\": {\"phase\": \"Stable\"}}",
            "Progressing",
            "observe generation 1"),
        // ProviderEndpoint
        Arguments.of("ProviderEndpoint", "{}", "Progressing", "Waiting for the operator"),
        Arguments.of(
            "ProviderEndpoint",
            status(1, 1, null, ready("True", "Resolved", ""), healthy("True", "ChecksPassing")),
            "Healthy",
            "Resolved"),
        Arguments.of(
            "ProviderEndpoint",
            status(1, 1, null, ready("True", "Resolved", "")),
            "Healthy",
            "Resolved"),
        Arguments.of(
            "ProviderEndpoint",
            status(1, 1, null, ready("True", "Resolved", ""), healthy("False", "BreakerOpen")),
            "Degraded",
            "Unhealthy: BreakerOpen"),
        Arguments.of(
            "ProviderEndpoint",
            status(
                2,
                2,
                null,
                ready(
                    "False", "CredentialsMissing", "Secret openai-credentials has no key apiKey")),
            "Degraded",
            "CredentialsMissing: Secret openai-credentials has no key apiKey"),
        Arguments.of(
            "ProviderEndpoint",
            status(3, 2, null, ready("False", "CredentialsMissing", "old")),
            "Progressing",
            "observe generation 3"),
        // RoutingPolicy
        Arguments.of("RoutingPolicy", "{}", "Progressing", "Waiting for the operator"),
        Arguments.of(
            "RoutingPolicy", status(1, 1, null, ready("True", "Valid", "")), "Healthy", "Valid"),
        Arguments.of(
            "RoutingPolicy",
            status(1, 1, null, ready("False", "InvalidSchedule", "from 25:00 is not a time")),
            "Degraded",
            "InvalidSchedule: from 25:00 is not a time"),
        Arguments.of(
            "RoutingPolicy", status(1, 1, null), "Progressing", "Waiting for the Ready condition"),
        Arguments.of(
            "RoutingPolicy",
            status(5, 4, null, ready("True", "Valid", "")),
            "Progressing",
            "observe generation 5"),
        // Consumer
        Arguments.of("Consumer", "{}", "Progressing", "Waiting for the operator"),
        Arguments.of(
            "Consumer",
            status(
                1,
                1,
                null,
                ready("True", "KeysPublished", ""),
                condition("BudgetExhausted", "False", "WithinBudget", "")),
            "Healthy",
            "KeysPublished"),
        Arguments.of(
            "Consumer",
            status(
                1,
                1,
                null,
                ready("False", "SecretKeyNotFound", "Secret team-a-keys has no key apiKey")),
            "Degraded",
            "SecretKeyNotFound: Secret team-a-keys has no key apiKey"),
        Arguments.of(
            "Consumer",
            status(
                2,
                2,
                null,
                ready("True", "KeysPublished", ""),
                condition("BudgetExhausted", "True", "DailyBudgetSpent", "spent 5.02 of 5.00 USD")),
            // Not Suspended: a sync wave waits on a Suspended resource as on a Progressing one,
            // so a spent budget would hold every later wave until the day or month turns.
            "Healthy",
            "KeysPublished; budget spent, requests refused: DailyBudgetSpent: spent 5.02 of 5.00"),
        Arguments.of(
            "Consumer",
            status(
                1,
                1,
                null,
                ready("False", "InvalidSpec", "bad glob"),
                condition("BudgetExhausted", "True", "DailyBudgetSpent", "")),
            "Degraded",
            "InvalidSpec: bad glob"),
        Arguments.of(
            "Consumer",
            status(
                1,
                1,
                null,
                ready("True", "KeysPublished", ""),
                condition("KeyRotationDue", "True", "KeyOlderThanMaxAge", "sha256:1a2b3c4d 91d")),
            "Healthy",
            "KeysPublished; key rotation due: KeyOlderThanMaxAge: sha256:1a2b3c4d 91d"),
        Arguments.of(
            "Consumer", status(1, 1, null), "Progressing", "Waiting for the Ready condition"),
        Arguments.of(
            "Consumer",
            status(3, 2, null, ready("True", "KeysPublished", "")),
            "Progressing",
            "observe generation 3"));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("cases")
  void mapsStatusToArgoCdHealth(
      String kind, String resource, String expectedStatus, String expectedMessage)
      throws IOException {
    LuaValue result = run(kind, JSON.readTree(withMetadata(resource)));

    assertThat(result.istable()).isTrue();
    assertThat(result.get("status").tojstring()).isEqualTo(expectedStatus);
    assertThat(result.get("message").tojstring()).contains(expectedMessage);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Consumer", "ModelRoute", "ProviderEndpoint", "RoutingPolicy"})
  void argoCdConfigMapSnippetCarriesTheScriptsVerbatim(String kind) throws IOException {
    JsonNode snippet = YAML.readTree(argocdDir().resolve("argocd-cm-health.yaml").toFile());

    assertThat(snippet.at("/metadata/name").asText()).isEqualTo("argocd-cm");
    assertThat(
            snippet
                .path("data")
                .path("resource.customizations.health.switchboard.dev_" + kind)
                .asText())
        .as("argocd-cm-health.yaml is stale for %s; regenerate it from health-%s.lua", kind, kind)
        .isEqualTo(script(kind));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Consumer", "ModelRoute", "ProviderEndpoint", "RoutingPolicy"})
  void scriptsStayWithinLua51(String kind) throws IOException {
    // luaj implements Lua 5.2; Argo CD embeds gopher-lua (Lua 5.1). Keep out what 5.1 lacks.
    assertThat(script(kind))
        .doesNotContain("goto ")
        .doesNotContain("::")
        .doesNotContain("_ENV")
        .doesNotContain("table.unpack")
        .doesNotContain("bit32")
        .doesNotContain("//")
        .doesNotContain("require");
  }

  /**
   * docs/gitops orders the platform and the routes by sync waves on two Applications. A wave waits
   * for a child Application only when a parent (app of apps) syncs both and Argo CD assesses an
   * Application's health, which it stopped doing by default in 1.8: without the guide's
   * argoproj.io_Application check every child counts as Healthy at once and the routes' wave goes
   * ahead of a platform still starting. The guide's snippet is run here on Application states.
   */
  @ParameterizedTest(name = "Application {0} -> {1}")
  @MethodSource("applicationCases")
  void gitopsGuideGivesTheApplicationHealthCheckSyncWavesNeed(
      String application, String expectedStatus, String expectedMessage) throws IOException {
    String guide = Files.readString(Charts.repoDir().resolve("docs/gitops/README.md"));
    String key = "resource.customizations.health.argoproj.io_Application";
    String script = null;
    for (String block : guide.split("```")) {
      if (block.startsWith("yaml") && block.contains(key)) {
        script = YAML.readTree(block.substring("yaml".length())).path("data").path(key).asText();
      }
    }
    assertThat(script).as("docs/gitops/README.md gives no %s in a yaml block", key).isNotBlank();

    LuaValue result = runScript(script, "argoproj.io_Application", JSON.readTree(application));
    assertThat(result.get("status").tojstring()).isEqualTo(expectedStatus);
    assertThat(result.get("message").tojstring()).contains(expectedMessage);
  }

  static Stream<Arguments> applicationCases() {
    return Stream.of(
        Arguments.of("{\"metadata\": {\"name\": \"switchboard\"}}", "Progressing", ""),
        Arguments.of(
            "{\"status\": {\"health\": {\"status\": \"Progressing\","
                + " \"message\": \"Waiting for rollout\"}}}",
            "Progressing",
            "Waiting for rollout"),
        Arguments.of("{\"status\": {\"health\": {\"status\": \"Healthy\"}}}", "Healthy", ""),
        Arguments.of(
            "{\"status\": {\"health\": {\"status\": \"Degraded\","
                + " \"message\": \"Deployment switchboard-gateway failed\"}}}",
            "Degraded",
            "switchboard-gateway"));
  }

  private static LuaValue run(String kind, JsonNode resource) throws IOException {
    return runScript(script(kind), "health-" + kind + ".lua", resource);
  }

  private static LuaValue runScript(String script, String name, JsonNode resource) {
    // Only the libraries Argo CD opens for health scripts: no io, no os.
    Globals globals = new Globals();
    globals.load(new JseBaseLib());
    globals.load(new PackageLib());
    globals.load(new StringLib());
    globals.load(new TableLib());
    globals.load(new JseMathLib());
    LoadState.install(globals);
    LuaC.install(globals);
    globals.set("obj", toLua(resource));
    return globals.load(script, name).call();
  }

  private static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      node.fields()
          .forEachRemaining(
              field -> {
                if (!field.getValue().isNull()) {
                  table.set(field.getKey(), toLua(field.getValue()));
                }
              });
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isIntegralNumber()) {
      return LuaValue.valueOf(node.asLong());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return LuaValue.valueOf(node.asText());
  }

  private static String script(String kind) throws IOException {
    return Files.readString(argocdDir().resolve("health-" + kind + ".lua"));
  }

  private static Path argocdDir() {
    return Charts.chartDir().resolve("argocd");
  }

  /** Adds metadata (generation from the status helpers' marker, else 1) as the API server would. */
  private static String withMetadata(String resource) throws IOException {
    ObjectNode node = (ObjectNode) JSON.readTree(resource);
    long generation = node.path("_generation").asLong(1);
    node.remove("_generation");
    node.putObject("metadata")
        .put("name", "sample")
        .put("namespace", "team-a")
        .put("generation", generation);
    return JSON.writeValueAsString(node);
  }

  private static String status(long generation, long observed, String phase, String... conditions) {
    return "{\"_generation\": "
        + generation
        + ", \"status\": {\"observedGeneration\": "
        + observed
        + (phase == null ? "" : ", \"phase\": \"" + phase + "\"")
        + ", \"conditions\": ["
        + String.join(", ", conditions)
        + "]}}";
  }

  private static String canary(String phase, String... conditions) {
    return canaryAt(phase, 25, conditions);
  }

  private static String canaryAt(String phase, int weight, String... conditions) {
    return "{\"_generation\": 7, \"status\": {\"observedGeneration\": 7, \"phase\": \""
        + phase
        + "\", \"stableRevision\": 6, \"canaryRevision\": 7, \"canaryWeight\": "
        + weight
        + ", \"currentStep\": 1, \"conditions\": ["
        + String.join(", ", conditions)
        + "]}}";
  }

  private static String ready(String status, String reason, String message) {
    return condition("Ready", status, reason, message);
  }

  private static String healthy(String status, String reason) {
    return condition("Healthy", status, reason, "");
  }

  private static String condition(String type, String status, String reason, String message) {
    try {
      return JSON.writeValueAsString(
          Map.of(
              "type", type,
              "status", status,
              "reason", reason,
              "message", message,
              "lastTransitionTime", "2026-11-25T12:00:00Z"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
