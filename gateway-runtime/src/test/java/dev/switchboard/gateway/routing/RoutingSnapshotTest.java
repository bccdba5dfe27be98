package dev.switchboard.gateway.routing;

import static dev.switchboard.gateway.TestTables.provider;
import static dev.switchboard.gateway.TestTables.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.Strategy;
import dev.switchboard.gateway.TestTables;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RoutingSnapshotTest {

  private static final RoutingTable.Route ROUTE =
      new RoutingTable.Route(
          "chat",
          "chat",
          List.of("gpt-4o"),
          null,
          3,
          List.of(target("p", "default-model", 0)),
          List.of(
              new RoutingTable.Rule(
                  Map.of("x-switchboard-task", "summarization"),
                  List.of(target("p", "cheap-model", 0)))),
          new RoutingTable.Canary(
              "split", 10, 4, List.of(target("p", "next-model", 0)), List.of()));

  private final RoutingSnapshot snapshot =
      RoutingSnapshot.of(
          TestTables.table(List.of(provider("p", "http://127.0.0.1:1/v1", false)), List.of(ROUTE)),
          Instant.EPOCH);

  private static Function<String, String> headers(Map<String, String> h) {
    return name -> h.get(name.toLowerCase(java.util.Locale.ROOT));
  }

  @Test
  void aTablesTargetsArePlannedOnceAndEachListKeepsItsOwn() {
    ResolvedRoute first = snapshot.resolve("chat", headers(Map.of())).orElseThrow();
    ResolvedRoute again = snapshot.resolve("gpt-4o", headers(Map.of())).orElseThrow();
    // The same planned targets for every request until the next table, not planned again.
    assertThat(again.candidates()).isSameAs(first.candidates());
    assertThat(again.canaryCandidates()).isSameAs(first.canaryCandidates());
    assertThat(first.candidates()).extracting(PlannedTarget::id).containsExactly("p/default-model");
    assertThat(first.candidates())
        .extracting(PlannedTarget::arm)
        .containsOnly(PlannedTarget.STABLE);
    assertThat(first.canaryCandidates())
        .extracting(PlannedTarget::id, PlannedTarget::arm)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("p/next-model", PlannedTarget.CANARY));
    // A rule's list is its own, whichever was planned first.
    ResolvedRoute summarising =
        snapshot
            .resolve("chat", headers(Map.of("x-switchboard-task", "summarization")))
            .orElseThrow();
    assertThat(summarising.candidates())
        .extracting(PlannedTarget::id)
        .containsExactly("p/cheap-model");
    assertThat(snapshot.resolve("chat", headers(Map.of())).orElseThrow().candidates())
        .isSameAs(first.candidates());
    // Another table (a reload) plans its own, with its own provider entry.
    RoutingSnapshot reloaded =
        RoutingSnapshot.of(
            TestTables.table(
                List.of(provider("p", "http://127.0.0.1:2/v1", false)), List.of(ROUTE)),
            Instant.EPOCH);
    List<PlannedTarget> after =
        reloaded.resolve("chat", headers(Map.of())).orElseThrow().candidates();
    assertThat(after).isNotSameAs(first.candidates());
    assertThat(after.get(0).provider().baseUrl()).isEqualTo("http://127.0.0.1:2/v1");
  }

  @Test
  void resolvesNamesAndAliasesButNotUnknownModels() {
    assertThat(snapshot.resolve("chat", headers(Map.of()))).isPresent();
    assertThat(snapshot.resolve("gpt-4o", headers(Map.of())))
        .get()
        .extracting(ResolvedRoute::name)
        .isEqualTo("chat");
    assertThat(snapshot.resolve("default-model", headers(Map.of()))).isEmpty();
  }

  @Test
  void aTargetIsReachableThroughTheRouteARuleOrTheSplitCanaryButNotOtherwise() {
    assertThat(snapshot.reachableTarget(ROUTE, "p/default-model"))
        .get()
        .extracting(PlannedTarget::arm)
        .isEqualTo(PlannedTarget.STABLE);
    assertThat(snapshot.reachableTarget(ROUTE, "p/cheap-model"))
        .get()
        .satisfies(
            t -> {
              assertThat(t.arm()).isEqualTo(PlannedTarget.STABLE);
              assertThat(t.provider().name()).isEqualTo("p");
            });
    assertThat(snapshot.reachableTarget(ROUTE, "p/next-model"))
        .get()
        .extracting(PlannedTarget::arm)
        .isEqualTo(PlannedTarget.CANARY);
    assertThat(snapshot.reachableTarget(ROUTE, "p/unknown-model")).isEmpty();
    // A canary at weight 0 serves nothing.
    RoutingTable.Route paused =
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            null,
            3,
            ROUTE.targets(),
            ROUTE.rules(),
            new RoutingTable.Canary(
                "split", 0, 4, List.of(target("p", "next-model", 0)), List.of()));
    assertThat(snapshot.reachableTarget(paused, "p/next-model")).isEmpty();
  }

  @Test
  void aMatchingRuleReplacesTheTargets() {
    ResolvedRoute plain = snapshot.resolve("chat", headers(Map.of())).orElseThrow();
    ResolvedRoute summarization =
        snapshot
            .resolve("chat", headers(Map.of("x-switchboard-task", "summarization")))
            .orElseThrow();
    ResolvedRoute other =
        snapshot.resolve("chat", headers(Map.of("x-switchboard-task", "chat"))).orElseThrow();

    assertThat(plain.candidates()).extracting(PlannedTarget::id).containsExactly("p/default-model");
    assertThat(summarization.candidates())
        .extracting(PlannedTarget::id)
        .containsExactly("p/cheap-model");
    assertThat(summarization.matchedBy()).isEqualTo("rule:0");
    assertThat(other.candidates()).extracting(PlannedTarget::id).containsExactly("p/default-model");
  }

  @Test
  void rulesMatchTheMetadataBodyFieldAndMayGiveOnlyAStrategy() {
    RoutingTable.Route route =
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            null,
            3,
            List.of(target("p", "default-model", 0)),
            List.of(
                new RoutingTable.Rule(
                    Map.of(), List.of(), Map.of("task", "summarization"), "least-cost"),
                new RoutingTable.Rule(
                    Map.of("x-tenant", "legal"),
                    List.of(target("p", "careful-model", 0)),
                    Map.of("task", "analysis"),
                    null)),
            null);
    RoutingSnapshot s =
        RoutingSnapshot.of(
            TestTables.table(
                List.of(provider("p", "http://127.0.0.1:1/v1", false)), List.of(route)),
            Instant.EPOCH);

    ResolvedRoute summary =
        s.resolve("chat", headers(Map.of()), Map.of("task", "summarization")::get).orElseThrow();
    assertThat(summary.candidates())
        .extracting(PlannedTarget::id)
        .containsExactly("p/default-model");
    assertThat(summary.requestStrategy()).isEqualTo(Strategy.LEAST_COST);
    assertThat(summary.requestStrategyBy()).isEqualTo("rule:0");

    // Both the header and the metadata entry must match.
    ResolvedRoute legal =
        s.resolve("chat", headers(Map.of("x-tenant", "legal")), Map.of("task", "analysis")::get)
            .orElseThrow();
    assertThat(legal.candidates()).extracting(PlannedTarget::id).containsExactly("p/careful-model");
    assertThat(legal.requestStrategy()).isNull();
    ResolvedRoute headerOnly =
        s.resolve("chat", headers(Map.of("x-tenant", "legal")), key -> null).orElseThrow();
    assertThat(headerOnly.matchedBy()).isEqualTo("route");

    // The low-priority hint asks for the fastest target, over a rule's strategy.
    ResolvedRoute low =
        s.resolve(
                "chat",
                headers(Map.of("x-switchboard-priority", "low")),
                Map.of("task", "summarization")::get)
            .orElseThrow();
    assertThat(low.requestStrategy()).isEqualTo(Strategy.LEAST_LATENCY);
    assertThat(low.requestStrategyBy()).isEqualTo("hint:priority-low");
  }

  @Test
  void aSplitCanaryContributesCanaryCandidates() {
    ResolvedRoute r = snapshot.resolve("chat", headers(Map.of())).orElseThrow();
    assertThat(r.canaryCandidates()).extracting(PlannedTarget::id).containsExactly("p/next-model");
    assertThat(r.canaryCandidates()).extracting(PlannedTarget::arm).containsOnly("canary");
  }
}
