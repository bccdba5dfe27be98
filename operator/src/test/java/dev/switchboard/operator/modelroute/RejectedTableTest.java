package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.contract.RoutingTableValidator;
import dev.switchboard.contract.TableProblem;
import dev.switchboard.contract.TableProblem.Check;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A table the gateway's validator refuses, though the operator's validators let its parts through,
 * is reported as {@code Ready=False RoutingTableRejected} on the routes its problems are about —
 * decided by what each problem names, for every check the validator makes.
 */
class RejectedTableTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Route chat uses policy pol and provider p; route other uses provider q only. */
  private static final String BASE =
      """
      {"schemaVersion": 1, "namespace": "ns",
       "providers": {
         "p": {"name": "p", "kind": "openai", "baseUrl": "https://p.example.com/v1", "hasKey": true,
               "headers": {}, "models": {"m": {"capabilities": ["chat"],
                 "pricing": {"currency": "USD", "inputPerMillionTokens": 1.0,
                             "outputPerMillionTokens": 2.0}}}},
         "q": {"name": "q", "kind": "openai", "baseUrl": "https://q.example.com/v1", "hasKey": true,
               "headers": {}, "models": {"x": {"capabilities": ["chat"]}}}},
       "policies": {"pol": {"name": "pol", "strategy": "priority"}},
       "routes": [
         {"name": "chat", "model": "chat", "aliases": [], "policy": "pol", "revision": 1,
          "targets": [{"provider": "p", "model": "m", "weight": 100, "priority": 0}], "rules": []},
         {"name": "other", "model": "other", "aliases": [], "revision": 1,
          "targets": [{"provider": "q", "model": "x", "weight": 100, "priority": 0}], "rules": []}]}
      """;

  private static final Set<String> CHAT = Set.of("chat");
  private static final Set<String> BOTH = Set.of("chat", "other");

  private record Case(Consumer<ObjectNode> breakIt, Set<String> concerned) {}

  /** One broken table per check, and the routes its problem must reach. */
  private static final Map<Check, Case> CASES = new EnumMap<>(Check.class);

  static {
    CASES.put(Check.SCHEMA_VERSION, new Case(t -> t.put("schemaVersion", 99), BOTH));
    CASES.put(
        Check.PROVIDER_PRICE_WINDOW,
        new Case(t -> pricing(t).set("windows", windows(t, "22:00", "22:00")), CHAT));
    CASES.put(
        Check.PROVIDER_PRICE_WINDOWS_OVERLAP,
        new Case(
            t -> {
              ArrayNode windows = windows(t, "22:00", "06:00");
              windows.addAll(windows(t, "23:00", "05:00"));
              ((ObjectNode) windows.get(1)).put("name", "late");
              pricing(t).set("windows", windows);
            },
            CHAT));
    CASES.put(Check.PROVIDER_KEYED_UNDER_OTHER_NAME, new Case(t -> p(t).put("name", "z"), CHAT));
    CASES.put(
        Check.PROVIDER_BASE_URL_NOT_ABSOLUTE,
        new Case(t -> p(t).put("baseUrl", "ftp://p.example.com"), CHAT));
    CASES.put(
        Check.PROVIDER_BASE_URL_CREDENTIALS,
        new Case(t -> p(t).put("baseUrl", "https://u:pw@p.example.com/v1"), CHAT));
    CASES.put(
        Check.PROVIDER_BASE_URL_QUERY,
        new Case(t -> p(t).put("baseUrl", "https://p.example.com/v1?key=k"), CHAT));
    CASES.put(
        Check.PROVIDER_BASE_URL_MALFORMED,
        new Case(t -> p(t).put("baseUrl", "https://p example.com/v1"), CHAT));
    CASES.put(
        Check.PROVIDER_HEADER,
        new Case(t -> ((ObjectNode) p(t).get("headers")).put("Connection", "close"), CHAT));
    CASES.put(
        Check.PROVIDER_API_KEY_HEADER,
        new Case(t -> p(t).putObject("apiKeyHeader").put("name", "Content-Length"), CHAT));
    CASES.put(
        Check.PROVIDER_MAX_RESPONSE_BYTES, new Case(t -> p(t).put("maxResponseBytes", 0), CHAT));
    CASES.put(
        Check.PROVIDER_COMMITMENT,
        new Case(t -> p(t).putObject("commitment").put("tokensPerMonth", 1000), CHAT));
    // A name only a hand-written table can hold (no Kubernetes name has '_'): no ModelRoute is it.
    CASES.put(
        Check.PROVIDER_NAME_RESERVED,
        new Case(
            t -> {
              ObjectNode q = (ObjectNode) ((ObjectNode) t.get("providers")).remove("q");
              ((ObjectNode) t.get("providers")).set("_none", q.put("name", "_none"));
              ((ObjectNode) route(t, 1).get("targets").get(0)).put("provider", "_none");
            },
            Set.of()));
    CASES.put(Check.POLICY_STRATEGY, new Case(t -> pol(t).put("strategy", "bogus"), CHAT));
    CASES.put(
        Check.POLICY_SCHEDULE_STRATEGY,
        new Case(
            t -> schedule(t, "22:00", "06:00").forEach(w -> ((ObjectNode) w).remove("strategy")),
            CHAT));
    CASES.put(Check.POLICY_SCHEDULE_WINDOW, new Case(t -> schedule(t, "22:00", "22:00"), CHAT));
    CASES.put(
        Check.POLICY_SCHEDULE_WINDOWS_OVERLAP,
        new Case(
            t -> {
              ArrayNode schedule = schedule(t, "22:00", "06:00");
              schedule.add(schedule.get(0).deepCopy());
              ((ObjectNode) schedule.get(1)).put("name", "late");
            },
            CHAT));
    CASES.put(
        Check.POLICY_EXPLORATION_SHARE, new Case(t -> pol(t).put("explorationShare", 2.0), CHAT));
    CASES.put(Check.POLICY_ON_RETIRED, new Case(t -> pol(t).put("onRetired", "bogus"), CHAT));
    CASES.put(Check.ROUTE_NAME_RESERVED, new Case(t -> route(t, 1).put("name", "_none"), Set.of()));
    CASES.put(Check.ROUTE_MODEL_EMPTY, new Case(t -> chat(t).put("model", ""), CHAT));
    CASES.put(
        Check.ROUTE_MODEL_NAME_CLAIMED_TWICE,
        new Case(t -> ((ObjectNode) route(t, 1)).putArray("aliases").add("chat"), BOTH));
    CASES.put(Check.ROUTE_POLICY_MISSING, new Case(t -> chat(t).put("policy", "gone"), CHAT));
    CASES.put(Check.ROUTE_NO_TARGETS, new Case(t -> chat(t).putArray("targets"), CHAT));
    CASES.put(
        Check.ROUTE_TARGET_PROVIDER_MISSING,
        new Case(t -> target(t).put("provider", "gone"), CHAT));
    CASES.put(
        Check.ROUTE_TARGET_MODEL_NOT_SERVED, new Case(t -> target(t).put("model", "nope"), CHAT));
    CASES.put(Check.ROUTE_TARGET_WEIGHT, new Case(t -> target(t).put("weight", 150), CHAT));
    CASES.put(
        Check.ROUTE_RULE_STRATEGY,
        new Case(
            t -> chat(t).putArray("rules").addObject().put("strategy", "bogus").putArray("targets"),
            CHAT));
    CASES.put(
        Check.ROUTE_RULE_LANGUAGE,
        new Case(
            t -> {
              ObjectNode rule = chat(t).putArray("rules").addObject();
              rule.putArray("matchLanguage").add("xx");
              rule.putArray("targets").add(target(t).deepCopy());
            },
            CHAT));
    CASES.put(Check.ROUTE_CANARY_MODE, new Case(t -> canary(t).put("mode", "bogus"), CHAT));
    CASES.put(Check.ROUTE_CANARY_WEIGHT, new Case(t -> canary(t).put("weight", 150), CHAT));
    CASES.put(
        Check.ROUTE_EVALUATION_SAMPLE,
        new Case(
            t -> {
              ObjectNode evaluation = chat(t).putObject("evaluation");
              evaluation.put("id", "e1").put("sample", 2.0);
              evaluation.putArray("candidates").add(target(t).deepCopy());
            },
            CHAT));
  }

  @Test
  void everyCheckOfTheValidatorReachesTheRoutesItsProblemIsAbout() throws Exception {
    List<ModelRoute> routes = List.of(route("chat", "pol", "p"), route("other", null, "q"));
    // A check added to the validator without a case here (what it is about) fails first.
    assertThat(CASES.keySet()).containsExactlyInAnyOrder(Check.values());
    ObjectNode base = (ObjectNode) JSON.readTree(BASE);
    assertThat(RoutingTableValidator.problems(RoutingTableCodec.decode(BASE))).isEmpty();
    for (Map.Entry<Check, Case> c : CASES.entrySet()) {
      ObjectNode broken = base.deepCopy();
      c.getValue().breakIt().accept(broken);
      List<TableProblem> found =
          RoutingTableValidator.problems(RoutingTableCodec.decode(JSON.writeValueAsBytes(broken)));
      List<TableProblem> ofCheck = found.stream().filter(p -> p.check() == c.getKey()).toList();
      assertThat(ofCheck).as("%s reported for %s", c.getKey(), found).isNotEmpty();
      for (TableProblem problem : ofCheck) {
        Set<String> concerned =
            routes.stream()
                .filter(r -> RejectedTable.concerns(r, problem))
                .map(r -> r.getMetadata().getName())
                .collect(Collectors.toSet());
        assertThat(concerned).as("routes %s concerns", problem).isEqualTo(c.getValue().concerned());
        assertThat(problem.field()).as("field of %s", problem).isNotBlank();
      }
      for (ModelRoute route : routes) {
        boolean expected = c.getValue().concerned().contains(route.getMetadata().getName());
        assertThat(RejectedTable.ready(route, ofCheck).isPresent())
            .as("%s on %s", c.getKey(), route.getMetadata().getName())
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void theConditionCarriesTheProblemsOfTheRouteOnly() throws Exception {
    ObjectNode broken = (ObjectNode) JSON.readTree(BASE);
    target(broken).put("weight", 150);
    ((ObjectNode) route(broken, 1).get("targets").get(0)).put("provider", "gone");
    List<TableProblem> problems =
        RoutingTableValidator.problems(RoutingTableCodec.decode(JSON.writeValueAsBytes(broken)));
    assertThat(RejectedTable.ready(route("chat", "pol", "p"), problems))
        .hasValueSatisfying(
            ready -> {
              assertThat(ready.type()).isEqualTo("Ready");
              assertThat(ready.status()).isFalse();
              assertThat(ready.reason()).isEqualTo("RoutingTableRejected");
              assertThat(ready.message())
                  .startsWith("route chat: weight 150 of p/m is outside 0..100 —")
                  .contains("was not published; the previous table keeps serving")
                  .doesNotContain("gone");
            });
    // Neither named nor using what is named: left to the event and the retries.
    assertThat(RejectedTable.ready(route("chat-2", "other-policy", "r"), problems)).isEmpty();
  }

  private static ObjectNode p(ObjectNode t) {
    return (ObjectNode) t.get("providers").get("p");
  }

  private static ObjectNode pricing(ObjectNode t) {
    return (ObjectNode) p(t).get("models").get("m").get("pricing");
  }

  private static ArrayNode windows(ObjectNode t, String from, String to) {
    ArrayNode windows = t.arrayNode();
    windows
        .addObject()
        .put("name", "night")
        .put("from", from)
        .put("to", to)
        .put("timeZone", "UTC")
        .put("inputPerMillionTokens", 0.5);
    return windows;
  }

  private static ObjectNode pol(ObjectNode t) {
    return (ObjectNode) t.get("policies").get("pol");
  }

  private static ArrayNode schedule(ObjectNode t, String from, String to) {
    ArrayNode schedule = pol(t).putArray("schedule");
    schedule
        .addObject()
        .put("name", "night")
        .put("from", from)
        .put("to", to)
        .put("timeZone", "UTC")
        .put("strategy", "least-cost");
    return schedule;
  }

  private static ObjectNode route(ObjectNode t, int i) {
    return (ObjectNode) t.get("routes").get(i);
  }

  private static ObjectNode chat(ObjectNode t) {
    return route(t, 0);
  }

  private static ObjectNode target(ObjectNode t) {
    return (ObjectNode) chat(t).get("targets").get(0);
  }

  private static ObjectNode canary(ObjectNode t) {
    ObjectNode canary = chat(t).putObject("canary");
    canary.put("mode", "split").put("weight", 10).put("revision", 2);
    canary.putArray("targets").add(target(t).deepCopy());
    return canary;
  }

  private static ModelRoute route(String name, String policy, String provider) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
    ModelRouteSpec spec = new ModelRouteSpec();
    if (policy != null) {
      LocalObjectRef ref = new LocalObjectRef();
      ref.setName(policy);
      spec.setPolicyRef(ref);
    }
    RouteTarget target = new RouteTarget();
    LocalObjectRef ref = new LocalObjectRef();
    ref.setName(provider);
    target.setProviderRef(ref);
    target.setModel("m");
    spec.setTargets(List.of(target));
    route.setSpec(spec);
    return route;
  }
}
