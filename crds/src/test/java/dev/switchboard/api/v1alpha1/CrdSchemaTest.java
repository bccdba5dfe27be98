package dev.switchboard.api.v1alpha1;

import static dev.switchboard.api.v1alpha1.GeneratedCrds.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.contract.BodyLogging;
import dev.switchboard.contract.CanaryMode;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.ProviderKind;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden checks over the generated schema: the validation the API server enforces (required fields,
 * enums, patterns, bounds, defaults, CEL rules) is really in the YAML users install.
 */
class CrdSchemaTest {

  private static final JSONSchemaProps PE = GeneratedCrds.schema("providerendpoints");
  private static final JSONSchemaProps RP = GeneratedCrds.schema("routingpolicies");
  private static final JSONSchemaProps MR = GeneratedCrds.schema("modelroutes");

  private static List<String> rules(JSONSchemaProps node) {
    List<ValidationRule> rules = node.getXKubernetesValidations();
    return rules == null ? List.of() : rules.stream().map(ValidationRule::getRule).toList();
  }

  private static List<String> enumValues(JSONSchemaProps node) {
    return node.getEnum() == null
        ? List.of()
        : node.getEnum().stream().map(JsonNode::asText).toList();
  }

  private static String defaultValue(JSONSchemaProps node) {
    return node.getDefault() == null ? null : node.getDefault().toString();
  }

  /** The sets the gateway and the table share have one source: their enum in the contract. */
  @Test
  void sharedEnumerationsAreExactlyTheContractEnums() {
    assertThat(enumValues(at(PE, "spec.provider")))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(ProviderKind.values()).map(ProviderKind::wireName).toList());
    assertThat(enumValues(at(RP, "spec.strategy")))
        .containsExactlyInAnyOrderElementsOf(Strategy.wireNames());
    assertThat(enumValues(at(RP, "spec.schedule[].strategy")))
        .containsExactlyInAnyOrderElementsOf(Strategy.wireNames());
    assertThat(enumValues(at(RP, "spec.logging.bodies")))
        .containsExactlyInAnyOrderElementsOf(BodyLogging.wireNames());
    assertThat(enumValues(at(MR, "spec.canary.mode")))
        .containsExactlyInAnyOrderElementsOf(CanaryMode.wireNames());
    assertThat(defaultValue(at(RP, "spec.strategy")))
        .isEqualTo("\"" + Strategy.DEFAULT.wireName() + "\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"providerendpoints", "routingpolicies", "modelroutes"})
  void everyKindIsNamespacedWithStatusSubresourceAndReadyColumn(String plural) {
    CustomResourceDefinition crd = GeneratedCrds.crd(plural);
    CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);

    assertThat(crd.getSpec().getGroup()).isEqualTo("switchboard.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getJsonPath)
        .contains(".status.conditions[?(@.type==\"Ready\")].status");
  }

  @Test
  void shortNamesAndPrinterColumns() {
    assertThat(GeneratedCrds.crd("providerendpoints").getSpec().getNames().getShortNames())
        .containsExactly("pe");
    assertThat(GeneratedCrds.crd("routingpolicies").getSpec().getNames().getShortNames())
        .containsExactly("rp");
    assertThat(GeneratedCrds.crd("modelroutes").getSpec().getNames().getShortNames())
        .containsExactly("mr");

    assertThat(columns("providerendpoints")).containsKeys("Provider", "Ready", "Healthy", "Age");
    assertThat(columns("providerendpoints").get("Provider")).isEqualTo(".spec.provider");
    assertThat(columns("modelroutes"))
        .containsEntry("Model", ".spec.model")
        .containsEntry("Phase", ".status.phase")
        .containsEntry("Canary", ".status.canaryWeight")
        .containsKey("Ready");
    assertThat(columns("routingpolicies")).containsEntry("Strategy", ".spec.strategy");
  }

  /** kubectl users expect AGE as the last column, as for built-in kinds. */
  @ParameterizedTest
  @ValueSource(strings = {"providerendpoints", "routingpolicies", "modelroutes", "consumers"})
  void ageIsTheLastPrinterColumnAndTheOthersKeepTheirOrder(String plural) {
    List<CustomResourceColumnDefinition> columns =
        GeneratedCrds.crd(plural).getSpec().getVersions().get(0).getAdditionalPrinterColumns();
    assertThat(columns).hasSizeGreaterThan(1);
    CustomResourceColumnDefinition last = columns.get(columns.size() - 1);
    assertThat(last.getName()).isEqualTo("Age");
    assertThat(last.getJsonPath()).isEqualTo(".metadata.creationTimestamp");
    assertThat(last.getType()).isEqualTo("date");
    List<String> others =
        columns.subList(0, columns.size() - 1).stream()
            .map(CustomResourceColumnDefinition::getJsonPath)
            .toList();
    assertThat(others).doesNotContain(".metadata.creationTimestamp");
    assertThat(others).isSortedAccordingTo(String.CASE_INSENSITIVE_ORDER);
  }

  private static Map<String, String> columns(String plural) {
    return GeneratedCrds.crd(plural)
        .getSpec()
        .getVersions()
        .get(0)
        .getAdditionalPrinterColumns()
        .stream()
        .collect(
            java.util.stream.Collectors.toMap(
                CustomResourceColumnDefinition::getName,
                CustomResourceColumnDefinition::getJsonPath));
  }

  @Nested
  class ProviderEndpointSchema {

    @Test
    void providerIsRequiredAndListsExactlyTheContractsProviderKinds() {
      assertThat(at(PE, "spec").getRequired()).containsExactly("provider");
      assertThat(enumValues(at(PE, "spec.provider")))
          .containsExactlyInAnyOrderElementsOf(
              Arrays.stream(ProviderKind.values()).map(ProviderKind::wireName).toList());
    }

    @Test
    void baseUrlIsHttpWithoutUserInfoAndRequiredWhereNoPresetExists() {
      JSONSchemaProps baseUrl = at(PE, "spec.baseUrl");
      assertThat(baseUrl.getPattern()).isEqualTo(SchemaPatterns.HTTP_URL);
      assertThat(baseUrl.getMaxLength()).isEqualTo(2048L);
      assertThat(rules(baseUrl))
          .contains("isURL(self) && url(self).getScheme() in ['http', 'https']")
          .contains("!self.matches('^[a-zA-Z]+://[^/]*@')");
      assertThat(rules(at(PE, "spec")))
          .contains(
              "has(self.baseUrl) || !(self.provider in ['azure-openai', 'openai-compatible'])",
              "!has(self.apiVersion) || self.provider == 'azure-openai'");
    }

    @Test
    void credentialHeadersAreRejectedAndHeadersAreBounded() {
      JSONSchemaProps headers = at(PE, "spec.headers");
      assertThat(headers.getMaxProperties()).isEqualTo(16L);
      assertThat(headers.getAdditionalProperties().getSchema().getMaxLength()).isEqualTo(1024L);
      assertThat(rules(headers))
          .anySatisfy(rule -> assertThat(rule).contains("'Authorization'", "'api-key'"));
    }

    @Test
    void concurrencyScopeDefaultsToWhatTheGatewayAppliesWithoutIt() {
      // The gateway counts maxConcurrency per replica unless the scope is global.
      assertThat(defaultValue(at(PE, "spec.concurrencyScope")))
          .isEqualTo("\"" + RoutingTable.Provider.SCOPE_REPLICA + "\"");
      assertThat(at(PE, "spec.concurrencyScope").getPattern()).isEqualTo("^(replica|global)$");
    }

    @Test
    void durationsAreValidatedAndDefaulted() {
      for (String field : List.of("connect", "firstToken", "total", "streamIdle")) {
        assertThat(at(PE, "spec.timeouts." + field).getPattern()).isEqualTo(Durations.PATTERN);
      }
      assertThat(defaultValue(at(PE, "spec.timeouts"))).isEqualTo("{}");
      // Fields a CEL rule bounds by another field carry no schema default: the API server would
      // default them before the rule runs and refuse a spec that sets only a shorter bound. The
      // operator renders the default capped at the bound instead.
      assertThat(at(PE, "spec.timeouts.connect").getDefault()).isNull();
      assertThat(at(PE, "spec.timeouts.firstToken").getDefault()).isNull();
      assertThat(at(PE, "spec.healthCheck.timeout").getDefault()).isNull();
      assertThat(defaultValue(at(PE, "spec.timeouts.total"))).isEqualTo("\"120s\"");
      assertThat(defaultValue(at(PE, "spec.timeouts.streamIdle"))).isEqualTo("\"60s\"");
      assertThat(rules(at(PE, "spec.timeouts")))
          .contains(
              "!has(self.connect) || !has(self.total) || duration(self.connect) <= duration(self.total)");
      assertThat(defaultValue(at(PE, "spec.healthCheck"))).isEqualTo("{}");
      assertThat(at(PE, "spec.healthCheck.unhealthyThreshold").getMinimum()).isEqualTo(1.0);
      assertThat(defaultValue(at(PE, "spec.healthCheck.unhealthyThreshold"))).isEqualTo("3");
    }

    @Test
    void modelsAreBoundedUniqueAndPriced() {
      JSONSchemaProps models = at(PE, "spec.models");
      assertThat(models.getMaxItems()).isEqualTo(128L);
      assertThat(rules(models)).contains("self.all(m, self.exists_one(n, n.name == m.name))");
      assertThat(at(PE, "spec.models[]").getRequired()).containsExactly("name");
      assertThat(at(PE, "spec.models[].capabilities[]").getPattern())
          .isEqualTo("^(chat|completions|embeddings|tools|vision|json|reasoning)$");
      assertThat(at(PE, "spec.models[].pricing").getRequired())
          .containsExactlyInAnyOrder("inputPerMillionTokens", "outputPerMillionTokens");
      assertThat(at(PE, "spec.models[].pricing.inputPerMillionTokens").getMinimum()).isEqualTo(0.0);
      // Optional (the input price applies when absent), and never negative, as a list price and in
      // a time-of-day window.
      assertThat(at(PE, "spec.models[].pricing.cacheWriteInputPerMillionTokens").getMinimum())
          .isEqualTo(0.0);
      assertThat(
              at(PE, "spec.models[].pricing.windows[].cacheWriteInputPerMillionTokens")
                  .getMinimum())
          .isEqualTo(0.0);
      assertThat(defaultValue(at(PE, "spec.models[].pricing.currency"))).isEqualTo("\"USD\"");
      assertThat(at(PE, "spec.models[].lifecycle.retiredAfter").getPattern())
          .isEqualTo(SchemaPatterns.DATE);
      assertThat(rules(at(PE, "spec.models[].lifecycle")))
          .contains(
              "!has(self.deprecatedAfter) || !has(self.retiredAfter) || self.deprecatedAfter <= self.retiredAfter");
    }

    @Test
    void statusModelPhasesAreEnumerated() {
      assertThat(enumValues(at(PE, "status.models[].phase")))
          .containsExactlyInAnyOrder("Active", "Deprecated", "Retired");
    }
  }

  @Nested
  class RoutingPolicySchema {

    @Test
    void strategyDefaultsToPriorityAndIsEnumerated() {
      assertThat(defaultValue(at(RP, "spec.strategy"))).isEqualTo("\"priority\"");
      assertThat(enumValues(at(RP, "spec.strategy")))
          .containsExactlyInAnyOrder(
              "priority", "weighted", "least-latency", "least-cost", "cost-latency");
      assertThat(enumValues(at(RP, "spec.schedule[].strategy")))
          .isEqualTo(enumValues(at(RP, "spec.strategy")));
    }

    @Test
    void scheduleWindowsNeedNameAndTimes() {
      assertThat(at(RP, "spec.schedule[]").getRequired())
          .containsExactlyInAnyOrder("name", "from", "to", "strategy");
      assertThat(at(RP, "spec.schedule[].from").getPattern()).isEqualTo(SchemaPatterns.CLOCK_TIME);
      assertThat(at(RP, "spec.schedule[].days[]").getPattern()).isEqualTo(SchemaPatterns.WEEKDAY);
      assertThat(at(RP, "spec.schedule").getMaxItems()).isEqualTo(16L);
      assertThat(rules(at(RP, "spec.schedule[]"))).contains("self.from != self.to");
    }

    @Test
    void retryIsBoundedAndBudgeted() {
      assertThat(at(RP, "spec.retry.maxAttempts").getMinimum()).isEqualTo(1.0);
      assertThat(at(RP, "spec.retry.maxAttempts").getMaximum()).isEqualTo(10.0);
      assertThat(defaultValue(at(RP, "spec.retry.maxAttempts"))).isEqualTo("3");
      assertThat(enumValues(at(RP, "spec.retry.backoff.jitter")))
          .containsExactlyInAnyOrder("none", "full", "equal");
      assertThat(at(RP, "spec.retry.retryOn[]").getPattern()).isEqualTo(SchemaPatterns.RETRY_ON);
      assertThat(at(RP, "spec.retry.budget.ratio").getMinimum()).isEqualTo(0.0);
      assertThat(at(RP, "spec.retry.budget.ratio").getMaximum()).isEqualTo(1.0);
      assertThat(rules(at(RP, "spec.retry.backoff")))
          .contains(
              "!has(self.initial) || !has(self.max) || duration(self.initial) <= duration(self.max)");
    }

    @Test
    void circuitBreakerRateLimitsAndCacheAreBounded() {
      assertThat(at(RP, "spec.circuitBreaker.failureRateThreshold").getMaximum()).isEqualTo(100.0);
      assertThat(at(RP, "spec.rateLimits[]").getRequired()).containsExactly("key");
      assertThat(at(RP, "spec.rateLimits[].key").getPattern())
          .isEqualTo(SchemaPatterns.RATE_LIMIT_KEY);
      assertThat(rules(at(RP, "spec.rateLimits[]")))
          .contains("has(self.requestsPerMinute) || has(self.tokensPerMinute)");
      assertThat(at(RP, "spec.cache.semantic.similarityThreshold").getMaximum()).isEqualTo(1.0);
      assertThat(rules(at(RP, "spec.cache.semantic.embedder")))
          .contains("has(self.builtin) != has(self.providerRef)");
      assertThat(at(RP, "spec.cache.semantic.embedder.maxInputTokens").getMinimum()).isEqualTo(1.0);
      assertThat(at(RP, "spec.cache.semantic.embedder.maxInputTokens").getMaximum())
          .isEqualTo(131072.0);
      assertThat(enumValues(at(RP, "spec.logging.bodies")))
          .containsExactlyInAnyOrder("none", "metadata", "full");
      assertThat(defaultValue(at(RP, "spec.logging.bodies"))).isEqualTo("\"none\"");
      assertThat(at(RP, "spec.driftCheck").getRequired())
          .containsExactlyInAnyOrder("schedule", "promptsConfigMapRef");
    }
  }

  @Nested
  class ModelRouteSchema {

    @Test
    void targetsAreRequiredNonEmptyAndUniquePairs() {
      assertThat(at(MR, "spec").getRequired()).containsExactly("targets");
      assertThat(rules(at(MR, "spec"))).contains("self.targets.size() > 0");
      String unique =
          "self.all(t, self.exists_one(u, u.providerRef.name == t.providerRef.name && u.model == t.model))";
      assertThat(rules(at(MR, "spec.targets"))).contains(unique);
      assertThat(rules(at(MR, "spec.rules[].targets"))).contains(unique);
      assertThat(at(MR, "spec.targets[]").getRequired())
          .containsExactlyInAnyOrder("providerRef", "model");
      assertThat(at(MR, "spec.targets[].weight").getMinimum()).isEqualTo(0.0);
      assertThat(at(MR, "spec.targets[].weight").getMaximum()).isEqualTo(100.0);
      assertThat(at(MR, "spec.targets[].providerRef.name").getPattern())
          .isEqualTo(SchemaPatterns.DNS_SUBDOMAIN);
    }

    /** The opt-out label must be one a Consumer can carry (or the legacy default, still read). */
    @Test
    void evaluationOptOutLabelIsAConsumerLabel() {
      var label = at(MR, "spec.evaluation.optOutLabel");
      assertThat(label.getDefault().asText()).isEqualTo("evaluation=opt-out");
      Pattern pattern = Pattern.compile(label.getPattern());
      assertThat(pattern.matcher("evaluation=opt-out").matches()).isTrue();
      assertThat(pattern.matcher("tier").matches()).isTrue();
      assertThat(pattern.matcher("switchboard.dev/evaluation=opt-out").matches()).isTrue();
      assertThat(pattern.matcher("example.com/tier=batch").matches()).isFalse();
      assertThat(pattern.matcher("1tier=batch").matches()).isFalse();
    }

    @Test
    void canaryStepsAreBelowOneHundred() {
      assertThat(at(MR, "spec.canary").getRequired()).containsExactly("steps");
      assertThat(at(MR, "spec.canary.steps[].weight").getMinimum()).isEqualTo(1.0);
      assertThat(at(MR, "spec.canary.steps[].weight").getMaximum()).isEqualTo(99.0);
      assertThat(enumValues(at(MR, "spec.canary.mode")))
          .containsExactlyInAnyOrder("split", "shadow");
      assertThat(at(MR, "spec.canary.analysis.maxErrorRate").getMaximum()).isEqualTo(1.0);
      assertThat(rules(at(MR, "spec.canary.metrics")))
          .contains("!has(self.source) || self.source != 'prometheus' || has(self.url)");
    }

    /**
     * CEL has no index loop, so the rule walks a literal index list; it must cover every adjacent
     * pair the maxItems bound allows, or raising maxItems would silently skip the last steps.
     */
    @Test
    void increasingStepsRuleCoversEveryPairMaxItemsAllows() {
      JSONSchemaProps steps = at(MR, "spec.canary.steps");
      String rule =
          rules(steps).stream().filter(r -> r.contains("self[i].weight")).findFirst().orElseThrow();
      Matcher indexes = Pattern.compile("^\\[([0-9, ]+)]\\.all\\(i, ").matcher(rule);
      assertThat(indexes.find()).as(rule).isTrue();
      List<Integer> covered =
          Arrays.stream(indexes.group(1).split(",")).map(s -> Integer.parseInt(s.trim())).toList();
      List<Integer> needed = new ArrayList<>();
      for (int i = 0; i < steps.getMaxItems() - 1; i++) {
        needed.add(i);
      }
      assertThat(covered).isEqualTo(needed);
      assertThat(rule).contains("self[i].weight < self[i + 1].weight");
    }

    @Test
    void statusPhasesAreEnumerated() {
      assertThat(enumValues(at(MR, "status.phase")))
          .containsExactlyInAnyOrder("Stable", "Progressing", "Paused", "RolledBack", "Failed");
    }
  }

  /**
   * The API server estimates each CEL rule's worst-case cost from maxItems/maxLength bounds and
   * rejects CRDs over the limit; unbounded strings and lists in spec make that estimate explode.
   */
  @ParameterizedTest
  @ValueSource(strings = {"providerendpoints", "routingpolicies", "modelroutes"})
  void everySpecStringAndListIsBounded(String plural) {
    List<String> unbounded = new ArrayList<>();
    walk(at(GeneratedCrds.schema(plural), "spec"), "spec", unbounded, true);
    assertThat(unbounded).as("unbounded spec fields").isEmpty();
  }

  /** Descriptions feed {@code kubectl explain}; every field of ours needs one. */
  @ParameterizedTest
  @ValueSource(strings = {"providerendpoints", "routingpolicies", "modelroutes"})
  void everyFieldHasADescription(String plural) {
    JSONSchemaProps root = GeneratedCrds.schema(plural);
    List<String> undescribed = new ArrayList<>();
    for (String top : List.of("spec", "status")) {
      root.getProperties()
          .get(top)
          .getProperties()
          .forEach((name, child) -> describe(child, top + "." + name, undescribed));
    }
    assertThat(undescribed).as("fields without description").isEmpty();
  }

  private static void describe(JSONSchemaProps node, String path, List<String> undescribed) {
    if (node.getDescription() == null || node.getDescription().isBlank()) {
      undescribed.add(path);
    }
    // Condition is Fabric8's standard type; its fields are documented by Kubernetes itself.
    if (path.endsWith(".conditions")) {
      return;
    }
    JSONSchemaProps inner = node.getItems() != null ? node.getItems().getSchema() : node;
    if (inner != null && inner.getProperties() != null) {
      inner
          .getProperties()
          .forEach((name, child) -> describe(child, path + "." + name, undescribed));
    }
  }

  private static void walk(JSONSchemaProps node, String path, List<String> out, boolean root) {
    String type = node.getType();
    if ("string".equals(type) && node.getMaxLength() == null && enumValues(node).isEmpty()) {
      out.add(path + " (string without maxLength)");
    }
    if ("array".equals(type)) {
      if (node.getMaxItems() == null) {
        out.add(path + " (array without maxItems)");
      }
      walk(node.getItems().getSchema(), path + "[]", out, false);
    }
    if ("object".equals(type)) {
      if (node.getAdditionalProperties() != null
          && node.getAdditionalProperties().getSchema() != null) {
        if (node.getMaxProperties() == null) {
          out.add(path + " (map without maxProperties)");
        }
        walk(node.getAdditionalProperties().getSchema(), path + "{}", out, false);
      }
      if (node.getProperties() != null) {
        node.getProperties().forEach((name, child) -> walk(child, path + "." + name, out, false));
      }
    }
  }
}
