package dev.switchboard.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingTableValidatorTest {

  private static RoutingTable.Provider provider(String name, String url) {
    return RoutingTableCodecTest.provider(name, url);
  }

  @Test
  void acceptsAConsistentTable() {
    RoutingTable table =
        RoutingTableCodecTest.sample(
            Map.of("openai-prod", provider("openai-prod", "https://api.openai.com/v1")));
    assertThat(RoutingTableValidator.validate(table)).isEmpty();
  }

  @Test
  void reportsDanglingReferencesUnknownModelsAndDuplicateNames() {
    RoutingTable.Route dangling =
        new RoutingTable.Route(
            "r2",
            "gpt-4o", // collides with r1's alias
            List.of(),
            "missing-policy",
            1,
            List.of(
                new RoutingTable.Target("nowhere", "m", 50, 0),
                new RoutingTable.Target("openai-prod", "not-listed", 150, 1)),
            List.of(),
            null);
    RoutingTable base =
        RoutingTableCodecTest.sample(
            Map.of("openai-prod", provider("openai-prod", "https://api.openai.com/v1")));
    RoutingTable table =
        new RoutingTable(
            1,
            null,
            "default",
            base.providers(),
            base.policies(),
            List.of(base.routes().get(0), dangling));

    assertThat(RoutingTableValidator.validate(table))
        .anyMatch(p -> p.contains("'gpt-4o' is served by both chat-default and r2"))
        .anyMatch(p -> p.contains("policy 'missing-policy' is not in the table"))
        .anyMatch(p -> p.contains("provider 'nowhere' is not in the table"))
        .anyMatch(p -> p.contains("does not serve 'not-listed'"))
        .anyMatch(p -> p.contains("weight 150"));

    // The same problems, with what each is about: the operator puts them on those resources.
    List<TableProblem> problems = RoutingTableValidator.problems(table);
    assertThat(problems.stream().map(TableProblem::message).toList())
        .isEqualTo(RoutingTableValidator.validate(table));
    assertThat(problems)
        .extracting(TableProblem::check, TableProblem::subjects, TableProblem::field)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                TableProblem.Check.ROUTE_MODEL_NAME_CLAIMED_TWICE,
                List.of("chat-default", "r2"),
                "model"),
            org.assertj.core.groups.Tuple.tuple(
                TableProblem.Check.ROUTE_POLICY_MISSING, List.of("r2"), "policy"),
            org.assertj.core.groups.Tuple.tuple(
                TableProblem.Check.ROUTE_TARGET_PROVIDER_MISSING,
                List.of("r2"),
                "targets[0].provider"),
            org.assertj.core.groups.Tuple.tuple(
                TableProblem.Check.ROUTE_TARGET_MODEL_NOT_SERVED,
                List.of("r2"),
                "targets[1].model"),
            org.assertj.core.groups.Tuple.tuple(
                TableProblem.Check.ROUTE_TARGET_WEIGHT, List.of("r2"), "targets[1].weight"));
  }

  /** The metrics' label for "no route" / "no provider" is no name a table may give either. */
  @Test
  void theReservedNameIsNoRouteOrProviderName() {
    RoutingTable base =
        RoutingTableCodecTest.sample(
            Map.of(
                RoutingTable.RESERVED_NAME,
                provider(RoutingTable.RESERVED_NAME, "https://api.openai.com/v1")));
    RoutingTable.Route route = base.routes().get(0);
    RoutingTable table =
        new RoutingTable(
            1,
            null,
            "default",
            base.providers(),
            base.policies(),
            List.of(
                new RoutingTable.Route(
                    RoutingTable.RESERVED_NAME,
                    route.model(),
                    route.aliases(),
                    route.policy(),
                    route.revision(),
                    List.of(
                        new RoutingTable.Target(
                            RoutingTable.RESERVED_NAME, "gpt-4o-2024-08-06", 100, 0)),
                    List.of(),
                    null)));

    assertThat(RoutingTableValidator.problems(table))
        .extracting(TableProblem::check, TableProblem::subjects, TableProblem::field)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                TableProblem.Check.PROVIDER_NAME_RESERVED, List.of("_none"), "name"),
            org.assertj.core.groups.Tuple.tuple(
                TableProblem.Check.ROUTE_NAME_RESERVED, List.of("_none"), "name"));
  }

  @Test
  void rejectsBadUrlsAndUnknownSchemaVersions() {
    RoutingTable badUrl =
        RoutingTableCodecTest.sample(
            Map.of("openai-prod", provider("openai-prod", "ftp://user:pw@example.com")));
    assertThat(RoutingTableValidator.validate(badUrl))
        .anyMatch(p -> p.contains("absolute http(s) URL"))
        .anyMatch(p -> p.contains("must not carry credentials"));

    // A key put in the URL by hand (file mode) is refused, and never quoted back.
    RoutingTable keyInQuery =
        RoutingTableCodecTest.sample(
            Map.of(
                "openai-prod",
                provider(
                    "openai-prod", "https://generativelanguage.googleapis.com/v1?key=AIzaSECRET")));
    assertThat(RoutingTableValidator.validate(keyInQuery))
        .anyMatch(p -> p.contains("must not have a query or fragment"))
        .noneMatch(p -> p.contains("AIzaSECRET"));

    RoutingTable future = new RoutingTable(99, null, "ns", null, null, null);
    assertThat(RoutingTableValidator.validate(future)).singleElement().asString().contains("99");
  }

  @Test
  void aResponseSizeLimitMustBePositiveAndSurvivesTheCodec() throws Exception {
    RoutingTable.Provider p = provider("openai-prod", "https://api.openai.com/v1");
    RoutingTable.Provider limited =
        new RoutingTable.Provider(
            p.name(),
            p.kind(),
            p.baseUrl(),
            p.hasKey(),
            p.apiVersion(),
            p.headers(),
            p.timeouts(),
            p.maxConcurrency(),
            0L,
            p.quota(),
            p.healthCheck(),
            p.models());
    assertThat(
            RoutingTableValidator.validate(RoutingTableCodecTest.sample(Map.of(p.name(), limited))))
        .anyMatch(problem -> problem.contains("maxResponseBytes must be positive"));

    RoutingTable table =
        RoutingTableCodecTest.sample(
            Map.of(
                p.name(),
                new RoutingTable.Provider(
                    p.name(),
                    p.kind(),
                    p.baseUrl(),
                    p.hasKey(),
                    p.apiVersion(),
                    p.headers(),
                    p.timeouts(),
                    p.maxConcurrency(),
                    1_048_576L,
                    p.quota(),
                    p.healthCheck(),
                    p.models())));
    RoutingTable read = RoutingTableCodec.decode(RoutingTableCodec.encode(table));
    assertThat(read.providers().get(p.name()).maxResponseBytes()).isEqualTo(1_048_576L);
    assertThat(RoutingTableValidator.validate(table)).isEmpty();
  }

  @Test
  void anEndpointCommitsToSpendAndItsCommitmentSurvivesTheCodec() throws Exception {
    RoutingTable.Provider p = provider("openai-prod", "https://api.openai.com/v1");
    java.util.function.Function<RoutingTable.Commitment, RoutingTable> with =
        commitment ->
            RoutingTableCodecTest.sample(
                Map.of(
                    p.name(),
                    new RoutingTable.Provider(
                        p.name(),
                        p.kind(),
                        p.baseUrl(),
                        p.hasKey(),
                        p.apiVersion(),
                        p.headers(),
                        p.timeouts(),
                        p.maxConcurrency(),
                        null,
                        p.quota(),
                        p.healthCheck(),
                        p.models(),
                        null,
                        commitment)));
    RoutingTable spend = with.apply(new RoutingTable.Commitment(null, 5000.0));
    assertThat(RoutingTableValidator.validate(spend)).isEmpty();
    assertThat(
            RoutingTableCodec.decode(RoutingTableCodec.encode(spend))
                .providers()
                .get(p.name())
                .commitment())
        .isEqualTo(new RoutingTable.Commitment(null, 5000.0));
    assertThat(RoutingTableValidator.validate(with.apply(new RoutingTable.Commitment(1000L, null))))
        .anyMatch(problem -> problem.contains("an endpoint commitment gives spendPerMonth only"));
    // Without one, the table keeps its bytes (no commitment key at all).
    assertThat(
            new String(
                RoutingTableCodec.encode(with.apply(null)),
                java.nio.charset.StandardCharsets.UTF_8))
        .doesNotContain("commitment");
  }

  @Test
  void namesAStrategyOrCanaryModeThisBuildDoesNotKnow() {
    RoutingTable base =
        RoutingTableCodecTest.sample(
            Map.of("openai-prod", provider("openai-prod", "https://api.openai.com/v1")));
    RoutingTable.Route route = base.routes().get(0);
    RoutingTable.Route withCanary =
        new RoutingTable.Route(
            route.name(),
            route.model(),
            route.aliases(),
            null,
            route.revision(),
            route.targets(),
            route.rules(),
            new RoutingTable.Canary("mirror", 10, 2, route.targets(), List.of()));
    RoutingTable.Policy newer =
        new RoutingTable.Policy(
            "newer", "round-robin", null, null, null, null, null, null, null, null, null);
    RoutingTable table =
        new RoutingTable(
            1, null, "default", base.providers(), Map.of("newer", newer), List.of(withCanary));

    assertThat(RoutingTableValidator.validate(table))
        .containsExactlyInAnyOrder(
            "policy newer: unknown strategy 'round-robin'",
            "route chat-default: unknown canary mode 'mirror'");
  }

  @Test
  void parsesDurations() {
    assertThat(Durations.toMillis("250ms")).isEqualTo(250);
    assertThat(Durations.toMillis("2s")).isEqualTo(2000);
    assertThat(Durations.toMillis("1m30s")).isEqualTo(90_000);
    assertThat(Durations.toMillis("1h")).isEqualTo(3_600_000);
    assertThat(Durations.toMillis("1.5s")).isEqualTo(1500);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Durations.toMillis("2 seconds"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
