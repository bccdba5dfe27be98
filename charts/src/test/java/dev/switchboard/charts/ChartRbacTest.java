package dev.switchboard.charts;

import static dev.switchboard.charts.RbacRules.verbs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rendered RBAC grants exactly what each component uses, and nothing by wildcard. */
class ChartRbacTest {

  private static final Set<String> READ = verbs("get", "list", "watch");

  /** What the operator needs in each namespace it watches (and cluster-wide when opted in). */
  /** The shard ConfigMaps of a large routing table (RoutingTableLayout.MAX_SHARDS = 8). */
  private static final String SHARDS =
      "/configmaps"
          + new TreeSet<>(
              java.util.stream.IntStream.range(0, 8)
                  .mapToObj(i -> "switchboard-routing-" + i)
                  .toList());

  /** The only Secrets the operator writes (by create and update, never patch). */
  private static final Set<String> WRITTEN_SECRETS =
      Set.of("switchboard-provider-keys", "switchboard-consumer-keys");

  private static final Map<String, Set<String>> OPERATOR_WATCH_GRANTS = operatorWatchGrants();

  @TempDir Path workDir;

  private static Map<String, Set<String>> operatorWatchGrants() {
    Map<String, Set<String>> grants = new TreeMap<>();
    grants.put("switchboard.dev/providerendpoints", READ);
    grants.put("switchboard.dev/routingpolicies", READ);
    grants.put("switchboard.dev/consumers", READ);
    // patch: clearing the promote/abort/retry annotations once acted on (metadata only).
    grants.put("switchboard.dev/modelroutes", verbs("get", "list", "watch", "patch"));
    for (String kind :
        new String[] {"providerendpoints", "routingpolicies", "modelroutes", "consumers"}) {
      grants.put("switchboard.dev/" + kind + "/status", verbs("get", "update", "patch"));
    }
    grants.put("/configmaps", verbs("get", "list", "watch", "create", "update", "patch"));
    // Users' Secrets are only read; create cannot be limited by name, update is limited to the
    // two Secrets the operator writes (RoutingTablePublisher, ConsumerKeysPublisher), no patch.
    grants.put("/secrets", verbs("get", "list", "watch", "create"));
    grants.put("/secrets" + new TreeSet<>(WRITTEN_SECRETS), verbs("update"));
    // Only unused shards are deleted: a namespace's last route leaves the empty table, never none.
    grants.put(SHARDS, verbs("delete"));
    // Only create: EventRecorder writes each transition as a new Event and never patches one.
    grants.put("/events", verbs("create"));
    // No Services: the gateway pods are found through EndpointSlices labelled with the admin
    // Service's name (EndpointSliceGatewayTargets); the operator never reads the Service itself.
    grants.put("discovery.k8s.io/endpointslices", READ);
    return grants;
  }

  @Test
  void operatorGetsExactlyItsVerbsInTheReleaseNamespace() {
    RenderedChart chart = Charts.template();

    JsonNode role = chart.find("Role", Charts.NAMESPACE, "switchboard-operator").orElseThrow();
    assertThat(RbacRules.of(role)).isEqualTo(OPERATOR_WATCH_GRANTS);
    assertThat(chart.ofKind("ClusterRole")).isEmpty();
    assertThat(chart.ofKind("ClusterRoleBinding")).isEmpty();
  }

  @Test
  void operatorDeletesOnlyWhatItRendersAndNeverWritesSpec() {
    JsonNode role =
        Charts.template().find("Role", Charts.NAMESPACE, "switchboard-operator").orElseThrow();

    Map<String, Set<String>> grants = RbacRules.of(role);
    assertThat(grants)
        .allSatisfy(
            (resource, verbs) -> {
              if (verbs.contains("delete")) {
                assertThat(resource).isEqualTo(SHARDS);
              }
            });
    assertThat(grants.get("switchboard.dev/providerendpoints")).doesNotContain("update", "patch");
    assertThat(grants.get("switchboard.dev/routingpolicies")).doesNotContain("update", "patch");
    assertThat(grants.get("switchboard.dev/modelroutes")).doesNotContain("update", "create");
  }

  @Test
  void operatorMayOverwriteOnlyTheTwoSecretsItPublishesAndPatchesNone() {
    for (String values :
        new String[] {
          "{}", "operator:\n  clusterWide: true\n", "operator:\n  watchNamespaces: [a]\n"
        }) {
      RenderedChart chart = Charts.template(workDir, values);
      List<JsonNode> roles =
          chart.all().stream()
              .filter(d -> d.path("kind").asText().endsWith("Role"))
              .filter(d -> d.at("/metadata/name").asText().startsWith("switchboard-operator"))
              .toList();
      assertThat(roles).as(values).isNotEmpty();
      for (JsonNode role : roles) {
        for (JsonNode rule : role.path("rules")) {
          if (!contains(rule.path("apiGroups"), "")
              || !contains(rule.path("resources"), "secrets")) {
            continue;
          }
          assertThat(contains(rule.path("verbs"), "patch"))
              .as("patch on Secrets in %s (%s): %s", role.at("/metadata/name"), values, rule)
              .isFalse();
          if (contains(rule.path("verbs"), "update")) {
            Set<String> names = new TreeSet<>();
            rule.path("resourceNames").forEach(n -> names.add(n.asText()));
            assertThat(names)
                .as("update on Secrets in %s (%s): %s", role.at("/metadata/name"), values, rule)
                .isEqualTo(WRITTEN_SECRETS);
          }
        }
      }
    }
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode element : array) {
      if (element.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void leaderElectionLeaseIsLimitedToTheReleaseNamespaceAndItsName() {
    RenderedChart chart = Charts.template();

    JsonNode role =
        chart.find("Role", Charts.NAMESPACE, "switchboard-operator-leader-election").orElseThrow();
    assertThat(RbacRules.of(role))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "coordination.k8s.io/leases",
                verbs("create"),
                "coordination.k8s.io/leases[switchboard-operator]",
                verbs("get", "update", "patch")));
    JsonNode binding =
        chart
            .find("RoleBinding", Charts.NAMESPACE, "switchboard-operator-leader-election")
            .orElseThrow();
    assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("switchboard-operator");
  }

  @Test
  void gatewayReadsOnlyItsOwnConfigMapAndSecretByName() {
    RenderedChart chart = Charts.template();

    JsonNode role = chart.find("Role", Charts.NAMESPACE, "switchboard-gateway").orElseThrow();
    assertThat(RbacRules.of(role))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "/configmaps[switchboard-routing]",
                READ,
                SHARDS,
                verbs("get"),
                "/secrets[switchboard-provider-keys]",
                READ,
                "/secrets[switchboard-consumer-keys]",
                READ));
    for (JsonNode rule : role.path("rules")) {
      assertThat(rule.path("resourceNames").size()).as("rule %s", rule).isPositive();
    }
    JsonNode binding =
        chart.find("RoleBinding", Charts.NAMESPACE, "switchboard-gateway").orElseThrow();
    assertThat(binding.at("/roleRef/name").asText()).isEqualTo("switchboard-gateway");
    assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("switchboard-gateway");
    assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Charts.NAMESPACE);
  }

  @Test
  void extraWatchNamespacesGetTheirOwnRoleAndBindingToTheOperatorAccount() {
    RenderedChart chart =
        Charts.template(
            workDir, "operator:\n  watchNamespaces: [team-a, switchboard-system, team-b]\n");

    for (String namespace : new String[] {Charts.NAMESPACE, "team-a", "team-b"}) {
      JsonNode role = chart.find("Role", namespace, "switchboard-operator").orElseThrow();
      assertThat(RbacRules.of(role)).as(namespace).isEqualTo(OPERATOR_WATCH_GRANTS);
      JsonNode binding = chart.find("RoleBinding", namespace, "switchboard-operator").orElseThrow();
      assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("switchboard-operator");
      assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Charts.NAMESPACE);
    }
    assertThat(
            chart
                .ofKind("Role")
                .filter(r -> r.at("/metadata/name").asText().equals("switchboard-operator")))
        .as("one Role per distinct namespace")
        .hasSize(3);
    assertThat(chart.ofKind("ClusterRole")).isEmpty();
  }

  @Test
  void clusterWideWatchingIsAnOptInClusterRoleWithTheSameGrants() {
    RenderedChart chart = Charts.template(workDir, "operator:\n  clusterWide: true\n");

    JsonNode clusterRole = chart.get("ClusterRole", "switchboard-operator");
    assertThat(RbacRules.of(clusterRole)).isEqualTo(OPERATOR_WATCH_GRANTS);
    JsonNode binding = chart.get("ClusterRoleBinding", "switchboard-operator");
    assertThat(binding.at("/roleRef/kind").asText()).isEqualTo("ClusterRole");
    assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Charts.NAMESPACE);
    assertThat(chart.find("Role", Charts.NAMESPACE, "switchboard-operator"))
        .as("no namespaced watch Role in cluster-wide mode")
        .isEmpty();
    // Leader election stays namespaced even in cluster-wide mode.
    assertThat(chart.find("Role", Charts.NAMESPACE, "switchboard-operator-leader-election"))
        .isPresent();
  }

  @Test
  void noRuleAnywhereUsesAWildcard() {
    for (String values :
        new String[] {
          "{}", "operator:\n  clusterWide: true\n", "operator:\n  watchNamespaces: [a]\n"
        }) {
      RenderedChart chart = Charts.template(workDir, values);
      chart.all().stream()
          .filter(d -> d.path("kind").asText().endsWith("Role"))
          .forEach(
              role ->
                  assertThat(RbacRules.allTokens(role))
                      .as("%s in %s", role.at("/metadata/name"), values)
                      .isNotEmpty()
                      .noneMatch(token -> token.contains("*")));
    }
  }

  @Test
  void disablingTheOperatorRemovesAllOperatorRbac() {
    RenderedChart chart = Charts.template(workDir, "operator:\n  enabled: false\n");

    assertThat(chart.summary()).noneMatch(s -> s.contains("operator"));
    assertThat(chart.find("Role", Charts.NAMESPACE, "switchboard-gateway")).isPresent();
  }
}
