package dev.switchboard.api.v1alpha1;

import static dev.switchboard.api.v1alpha1.CelRules.violations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.api.v1alpha1.CelRules.Rule;
import dev.switchboard.api.v1alpha1.ConfigSamples.Document;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CEL rules mean what they say. Neither the mock API server nor anything else here runs them,
 * so each rule is compiled and evaluated with CEL-Java against valid and invalid objects, and every
 * sample must satisfy every rule.
 */
class CelRulesTest {

  private static final Map<String, String> PLURALS =
      Map.of(
          "ProviderEndpoint", "providerendpoints",
          "RoutingPolicy", "routingpolicies",
          "ModelRoute", "modelroutes");

  static List<Rule> rules() {
    return CelRules.all();
  }

  static List<Document> customResources() {
    return ConfigSamples.all().stream().filter(d -> PLURALS.containsKey(d.kind())).toList();
  }

  @ParameterizedTest
  @MethodSource("rules")
  void everyRuleCompilesAndHasAMessage(Rule rule) {
    assertThatCode(() -> CelRules.compile(rule.expression())).doesNotThrowAnyException();
    assertThat(rule.message()).isNotBlank();
  }

  @ParameterizedTest
  @MethodSource("customResources")
  void everySampleSatisfiesEveryRule(Document doc) {
    String plural = PLURALS.get(doc.kind());
    List<String> broken = new ArrayList<>();
    int evaluated = 0;
    for (Rule rule : CelRules.all()) {
      if (!rule.plural().equals(plural)) {
        continue;
      }
      for (JsonNode self : CelRules.valuesAt(doc.node(), rule.path())) {
        evaluated++;
        if (!CelRules.holds(rule, CelRules.toCel(self))) {
          broken.add(rule.path() + ": " + rule.message());
        }
      }
    }
    assertThat(evaluated).as("rules evaluated on %s", doc).isPositive();
    assertThat(broken).as(doc.toString()).isEmpty();
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode yaml(String document) {
    try {
      return YAML.readTree(document);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(document, e);
    }
  }

  private static Map<String, Object> obj(Object... keyValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return map;
  }

  private static Map<String, Object> target(String provider, String model) {
    return obj("providerRef", obj("name", provider), "model", model);
  }

  private static List<Object> steps(long... weights) {
    List<Object> steps = new ArrayList<>();
    for (long weight : weights) {
      steps.add(obj("weight", weight));
    }
    return steps;
  }

  @Nested
  class ModelRouteRules {

    @Test
    void atLeastOneTarget() {
      assertThat(violations("modelroutes", "spec", obj("targets", List.of())))
          .containsExactly("at least one target is required");
      assertThat(violations("modelroutes", "spec", obj("targets", List.of(target("a", "m")))))
          .isEmpty();
    }

    @Test
    void targetsAreUniqueProviderModelPairs() {
      assertThat(
              violations(
                  "modelroutes", "spec.targets", List.of(target("a", "m"), target("a", "m"))))
          .containsExactly("targets must be unique (providerRef, model) pairs");
      assertThat(
              violations(
                  "modelroutes",
                  "spec.targets",
                  List.of(target("a", "m"), target("a", "n"), target("b", "m"))))
          .isEmpty();
      assertThat(
              violations(
                  "modelroutes",
                  "spec.rules[].targets",
                  List.of(target("a", "m"), target("b", "x"), target("a", "m"))))
          .hasSize(1);
    }

    @Test
    void aliasesDoNotRepeatTheModelOrEachOther() {
      List<Object> targets = List.of(target("a", "m"));
      assertThat(
              violations(
                  "modelroutes",
                  "spec",
                  obj("model", "chat", "aliases", List.of("gpt-4o", "chat"), "targets", targets)))
          .containsExactly("aliases must not repeat model");
      assertThat(violations("modelroutes", "spec.aliases", List.of("gpt-4o", "gpt-4o")))
          .containsExactly("aliases must be unique");
    }

    @Test
    void canaryStepWeightsStrictlyIncrease() {
      String path = "spec.canary.steps";
      assertThat(violations("modelroutes", path, steps(5, 25, 50))).isEmpty();
      assertThat(violations("modelroutes", path, steps(50))).isEmpty();
      assertThat(violations("modelroutes", path, steps(5, 5)))
          .containsExactly("step weights must be strictly increasing");
      assertThat(violations("modelroutes", path, steps(25, 5, 50))).hasSize(1);
    }

    @Test
    void canaryStepRuleChecksTheLastPairMaxItemsAllows() {
      long[] increasing = IntStream.rangeClosed(1, 10).mapToLong(i -> i * 9L).toArray();
      assertThat(violations("modelroutes", "spec.canary.steps", steps(increasing))).isEmpty();
      long[] lastPairDecreasing = increasing.clone();
      lastPairDecreasing[9] = lastPairDecreasing[8] - 1;
      assertThat(violations("modelroutes", "spec.canary.steps", steps(lastPairDecreasing)))
          .hasSize(1);
    }

    @Test
    void prometheusMetricsNeedAUrl() {
      assertThat(violations("modelroutes", "spec.canary.metrics", obj("source", "prometheus")))
          .containsExactly("url is required when source is prometheus");
      assertThat(
              violations(
                  "modelroutes",
                  "spec.canary.metrics",
                  obj("source", "prometheus", "url", "http://prometheus:9090")))
          .isEmpty();
      assertThat(violations("modelroutes", "spec.canary.metrics", obj("source", "gateway")))
          .isEmpty();
    }

    /**
     * The runbook entry is added as one key to the report ConfigMap; in a ConfigMap the operator
     * owns otherwise it would be overwritten (the routing table and its shards, drift baselines) or
     * mixed with state (the evaluations' own).
     */
    @Test
    void evaluationReportsStayOutOfTheConfigMapsTheOperatorOwns() {
      String path = "spec.evaluation.report.configMapName";
      for (String owned :
          List.of(
              "switchboard-routing",
              "switchboard-routing-0",
              "switchboard-routing-7",
              "switchboard-evaluations",
              "switchboard-drift-standard")) {
        assertThat(violations("modelroutes", path, owned)).as(owned).hasSize(1);
      }
      for (String free :
          List.of("switchboard-runbook", "runbook", "switchboard-routing-notes", "team.runbook")) {
        assertThat(violations("modelroutes", path, free)).as(free).isEmpty();
      }
    }
  }

  @Nested
  class ProviderEndpointRules {

    @Test
    void baseUrlIsHttpOrHttpsWithoutUserInfo() {
      assertThat(violations("providerendpoints", "spec.baseUrl", "https://api.openai.com/v1"))
          .isEmpty();
      assertThat(violations("providerendpoints", "spec.baseUrl", "http://127.0.0.1:18081/v1"))
          .isEmpty();
      assertThat(violations("providerendpoints", "spec.baseUrl", "ftp://files.example.com"))
          .containsExactly("baseUrl must be an http or https URL");
      assertThat(violations("providerendpoints", "spec.baseUrl", "https://user:secret@host/v1"))
          .containsExactly(
              "baseUrl must not contain user-info; put credentials in apiKeySecretRef");
    }

    @Test
    void providersWithoutAPublicUrlNeedBaseUrl() {
      assertThat(violations("providerendpoints", "spec", obj("provider", "azure-openai")))
          .containsExactly("baseUrl is required for azure-openai and openai-compatible providers");
      assertThat(violations("providerendpoints", "spec", obj("provider", "openai-compatible")))
          .hasSize(1);
      assertThat(violations("providerendpoints", "spec", obj("provider", "openai"))).isEmpty();
    }

    @Test
    void apiVersionOnlyForAzure() {
      assertThat(
              violations(
                  "providerendpoints",
                  "spec",
                  obj("provider", "openai", "apiVersion", "2024-10-21")))
          .containsExactly("apiVersion applies only to provider azure-openai");
      assertThat(
              violations(
                  "providerendpoints",
                  "spec",
                  obj(
                      "provider",
                      "azure-openai",
                      "baseUrl",
                      "https://x.openai.azure.com",
                      "apiVersion",
                      "2024-10-21")))
          .isEmpty();
    }

    @Test
    void credentialHeadersAreRejected() {
      assertThat(violations("providerendpoints", "spec.headers", obj("Authorization", "Bearer x")))
          .containsExactly("credential headers are not allowed here; use apiKeySecretRef");
      assertThat(violations("providerendpoints", "spec.headers", obj("api-key", "x"))).hasSize(1);
      assertThat(violations("providerendpoints", "spec.headers", obj("OpenAI-Organization", "o")))
          .isEmpty();
    }

    @Test
    void apiKeyHeaderNeedsAKeyAndAHeaderTheGatewayDoesNotOwn() {
      assertThat(
              CelRules.refusals(
                  "providerendpoints",
                  yaml(
                      "spec: {provider: openai-compatible, baseUrl: 'https://apim.example/v1',"
                          + " apiKeyHeader: {name: Ocp-Apim-Subscription-Key}}")))
          .containsExactly(
              "spec: apiKeyHeader names the header of the key in apiKeySecretRef, which is"
                  + " missing");
      assertThat(
              CelRules.refusals(
                  "providerendpoints",
                  yaml(
                      "spec: {provider: openai-compatible, baseUrl: 'https://apim.example/v1',"
                          + " apiKeySecretRef: {name: apim}, apiKeyHeader: {name:"
                          + " Ocp-Apim-Subscription-Key}}")))
          .isEmpty();
      for (String owned : List.of("Host", "content-length", "TRANSFER-ENCODING", "X-Request-Id")) {
        assertThat(violations("providerendpoints", "spec.apiKeyHeader.name", owned))
            .as(owned)
            .containsExactly(
                "the gateway or the connection sets this header itself; name the header the"
                    + " upstream reads the key from");
      }
      assertThat(violations("providerendpoints", "spec.apiKeyHeader.name", "apikey")).isEmpty();
      assertThat(violations("providerendpoints", "spec.apiKeyHeader.name", "X-Hostname")).isEmpty();
    }

    @Test
    void timeoutsFitInsideTheTotal() {
      assertThat(
              violations("providerendpoints", "spec.timeouts", obj("connect", "5s", "total", "2s")))
          .containsExactly("connect must not exceed total");
      assertThat(
              violations(
                  "providerendpoints",
                  "spec.timeouts",
                  obj("connect", "250ms", "firstToken", "1m30s", "total", "2m")))
          .isEmpty();
      assertThat(
              violations(
                  "providerendpoints", "spec.timeouts", obj("firstToken", "3m", "total", "120s")))
          .containsExactly("firstToken must not exceed total");
      assertThat(
              violations(
                  "providerendpoints", "spec.healthCheck", obj("interval", "2s", "timeout", "3s")))
          .containsExactly("timeout must not exceed interval");
    }

    /**
     * The API server fills in schema defaults before it runs the rules, so a bounded field must not
     * carry a default its bound may undercut: setting only the bound must be admitted.
     */
    @Test
    void settingOnlyTheBoundIsAdmittedOnceDefaultsAreApplied() {
      assertThat(
              CelRules.refusals(
                  "providerendpoints", yaml("spec: {provider: openai, timeouts: {total: 20s}}")))
          .isEmpty();
      assertThat(
              CelRules.refusals(
                  "providerendpoints", yaml("spec: {provider: openai, timeouts: {total: 1s}}")))
          .isEmpty();
      assertThat(
              CelRules.refusals(
                  "providerendpoints",
                  yaml("spec: {provider: openai, healthCheck: {interval: 2s}}")))
          .isEmpty();
      // What the user set is still checked, against the bound's default too.
      assertThat(
              CelRules.refusals(
                  "providerendpoints",
                  yaml("spec: {provider: openai, timeouts: {total: 20s, firstToken: 30s}}")))
          .containsExactly("spec.timeouts: firstToken must not exceed total");
      assertThat(
              CelRules.refusals(
                  "providerendpoints",
                  yaml("spec: {provider: openai, timeouts: {firstToken: 3m}}")))
          .containsExactly("spec.timeouts: firstToken must not exceed total");
      assertThat(
              CelRules.refusals(
                  "providerendpoints",
                  yaml("spec: {provider: openai, healthCheck: {timeout: 20s}}")))
          .containsExactly("spec.healthCheck: timeout must not exceed interval");
    }

    @Test
    void modelsAndCapabilitiesAreUniqueAndLifecycleOrdered() {
      assertThat(
              violations(
                  "providerendpoints", "spec.models", List.of(obj("name", "a"), obj("name", "a"))))
          .containsExactly("model names must be unique");
      assertThat(
              violations(
                  "providerendpoints", "spec.models[].capabilities", List.of("chat", "chat")))
          .containsExactly("capabilities must be unique");
      assertThat(
              violations(
                  "providerendpoints",
                  "spec.models[].lifecycle",
                  obj("deprecatedAfter", "2026-06-01", "retiredAfter", "2026-01-01")))
          .containsExactly("retiredAfter must not be before deprecatedAfter");
      assertThat(
              violations(
                  "providerendpoints",
                  "spec.models[].lifecycle",
                  obj("deprecatedAfter", "2026-06-01", "retiredAfter", "2026-12-01")))
          .isEmpty();
    }

    @Test
    void commitmentsAreSpendOrTokensOnAModelAndSpendOnTheEndpoint() {
      String model = "spec.models[].pricing.commitment";
      assertThat(violations("providerendpoints", model, obj("tokensPerMonth", 1_000_000)))
          .isEmpty();
      assertThat(violations("providerendpoints", model, obj("spendPerMonth", 500.0))).isEmpty();
      assertThat(
              violations(
                  "providerendpoints", model, obj("tokensPerMonth", 1, "spendPerMonth", 500.0)))
          .containsExactly("a commitment gives tokensPerMonth or spendPerMonth, not both");
      assertThat(violations("providerendpoints", "spec.commitment", obj("spendPerMonth", 5000.0)))
          .isEmpty();
      assertThat(
              violations("providerendpoints", "spec.commitment", obj("tokensPerMonth", 1_000_000)))
          .containsExactly(
              "an endpoint commitment gives spendPerMonth (tokens of different models are not"
                  + " worth the same); put tokensPerMonth on a model's pricing.commitment");
      assertThat(violations("providerendpoints", "spec.commitment", obj()))
          .containsExactlyInAnyOrder(
              "a commitment gives tokensPerMonth or spendPerMonth, not both",
              "an endpoint commitment gives spendPerMonth (tokens of different models are not"
                  + " worth the same); put tokensPerMonth on a model's pricing.commitment");
    }
  }

  @Nested
  class RoutingPolicyRules {

    @Test
    void embedderIsEitherBuiltinOrAProviderModel() {
      String path = "spec.cache.semantic.embedder";
      assertThat(violations("routingpolicies", path, obj("builtin", "all-minilm-l6-v2"))).isEmpty();
      assertThat(
              violations(
                  "routingpolicies",
                  path,
                  obj("providerRef", obj("name", "openai"), "model", "text-embedding-3-small")))
          .isEmpty();
      assertThat(violations("routingpolicies", path, obj()))
          .containsExactly("set exactly one of builtin or providerRef");
      assertThat(
              violations(
                  "routingpolicies",
                  path,
                  obj("builtin", "all-minilm-l6-v2", "providerRef", obj("name", "openai"))))
          .contains("set exactly one of builtin or providerRef");
      assertThat(violations("routingpolicies", path, obj("providerRef", obj("name", "openai"))))
          .containsExactly("model is required with providerRef and only with it");
    }

    @Test
    void maxInputTokensIsOnlyForAProviderEmbedder() {
      String path = "spec.cache.semantic.embedder";
      assertThat(
              violations(
                  "routingpolicies",
                  path,
                  obj(
                      "providerRef",
                      obj("name", "tei"),
                      "model",
                      "BAAI/bge-m3",
                      "maxInputTokens",
                      8192)))
          .isEmpty();
      assertThat(
              violations(
                  "routingpolicies",
                  path,
                  obj("builtin", "all-minilm-l6-v2", "maxInputTokens", 256)))
          .containsExactly("maxInputTokens is only for a providerRef embedder");
    }

    @Test
    void enabledSemanticCacheNeedsAnEmbedder() {
      assertThat(violations("routingpolicies", "spec.cache.semantic", obj("enabled", true)))
          .containsExactly("an enabled semantic cache needs an embedder");
      assertThat(violations("routingpolicies", "spec.cache.semantic", obj("enabled", false)))
          .isEmpty();
    }

    @Test
    void rateLimitsNeedALimitAndUniqueKeys() {
      assertThat(violations("routingpolicies", "spec.rateLimits[]", obj("key", "route")))
          .containsExactly("set requestsPerMinute, tokensPerMinute or both");
      assertThat(
              violations(
                  "routingpolicies",
                  "spec.rateLimits",
                  List.of(
                      obj("key", "route", "requestsPerMinute", 1L),
                      obj("key", "route", "tokensPerMinute", 1L))))
          .containsExactly("rate limit keys must be unique");
    }

    @Test
    void scheduleWindowsAndBackoffAreConsistent() {
      assertThat(
              violations("routingpolicies", "spec.schedule[]", obj("from", "22:00", "to", "22:00")))
          .containsExactly("from and to must differ");
      assertThat(
              violations(
                  "routingpolicies",
                  "spec.schedule",
                  List.of(obj("name", "night"), obj("name", "night"))))
          .containsExactly("schedule window names must be unique");
      assertThat(
              violations(
                  "routingpolicies", "spec.retry.backoff", obj("initial", "10s", "max", "5s")))
          .containsExactly("initial must not exceed max");
      assertThat(violations("routingpolicies", "spec.retry.retryOn", List.of("timeout", "timeout")))
          .containsExactly("retryOn entries must be unique");
    }

    @Test
    void settingOnlyTheBackoffMaxIsAdmittedOnceDefaultsAreApplied() {
      assertThat(
              CelRules.refusals("routingpolicies", yaml("spec: {retry: {backoff: {max: 100ms}}}")))
          .isEmpty();
      assertThat(CelRules.refusals("routingpolicies", yaml("spec: {}"))).isEmpty();
      assertThat(
              CelRules.refusals(
                  "routingpolicies", yaml("spec: {retry: {backoff: {max: 100ms, initial: 1s}}}")))
          .containsExactly("spec.retry.backoff: initial must not exceed max");
      assertThat(
              CelRules.refusals(
                  "routingpolicies", yaml("spec: {retry: {backoff: {initial: 10s}}}")))
          .containsExactly("spec.retry.backoff: initial must not exceed max");
    }

    @Test
    void maxRetryAfterIsBetweenOneSecondAndOneHour() {
      assertThat(violations("routingpolicies", "spec.retry", obj("maxRetryAfter", "999999s")))
          .containsExactly("maxRetryAfter must be between 1s and 1h");
      assertThat(violations("routingpolicies", "spec.retry", obj("maxRetryAfter", "500ms")))
          .containsExactly("maxRetryAfter must be between 1s and 1h");
      assertThat(violations("routingpolicies", "spec.retry", obj("maxRetryAfter", "60s")))
          .isEmpty();
    }
  }
}
