package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeedHonouredTest {

  static RoutingTable.Provider provider(String name, String kind) {
    return new RoutingTable.Provider(
        name,
        kind,
        "https://example.test/v1",
        true,
        null,
        Map.of(),
        null,
        null,
        null,
        null,
        null,
        Map.of());
  }

  static RoutingTable table(RoutingTable.Deterministic deterministic) {
    return table(
        deterministic,
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            "det",
            1,
            List.of(
                new RoutingTable.Target("openai-prod", "gpt-4o", 1, 0),
                new RoutingTable.Target("claude", "claude-sonnet-4-5", 1, 1)),
            List.of(),
            null));
  }

  static RoutingTable table(RoutingTable.Deterministic deterministic, RoutingTable.Route route) {
    RoutingTable.Policy policy =
        new RoutingTable.Policy(
            "det",
            "priority",
            null,
            List.of(),
            null,
            true,
            null,
            List.of(),
            null,
            deterministic,
            null);
    return new RoutingTable(
        RoutingTable.SCHEMA_VERSION,
        null,
        "ns",
        Map.of(
            "openai-prod",
            provider("openai-prod", "openai"),
            "claude",
            provider("claude", "anthropic")),
        Map.of("det", policy),
        List.of(route));
  }

  @Test
  void aTargetWhoseProviderIgnoresTheSeedIsNamed() {
    Conditions.Desired d =
        SeedHonoured.desired("chat", table(new RoutingTable.Deterministic(true, 42L, true, false)));

    assertThat(d.status()).isFalse();
    assertThat(d.reason()).isEqualTo("SeedNotHonoured");
    assertThat(d.message())
        .contains("claude/claude-sonnet-4-5 (anthropic)")
        .doesNotContain("openai-prod");
  }

  @Test
  void aGeminiTargetHonoursTheSeedAsTheGatewaySendsIt() {
    // The native Gemini adapter sends the seed as generationConfig.seed.
    RoutingTable.Route route =
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            "det",
            1,
            List.of(
                new RoutingTable.Target("openai-prod", "gpt-4o", 1, 0),
                new RoutingTable.Target("gemini", "gemini-2.5-pro", 1, 1)),
            List.of(),
            null);
    RoutingTable base = table(new RoutingTable.Deterministic(true, 42L, true, false), route);
    Map<String, RoutingTable.Provider> providers = new java.util.HashMap<>(base.providers());
    providers.put("gemini", provider("gemini", "gemini"));
    RoutingTable table =
        new RoutingTable(
            base.schemaVersion(),
            base.configVersion(),
            base.namespace(),
            providers,
            base.policies(),
            base.routes());

    Conditions.Desired d = SeedHonoured.desired("chat", table);

    assertThat(d.status()).isTrue();
    assertThat(d.reason()).isEqualTo("SeedHonoured");
  }

  @Test
  void aRuleTargetAndAnAnsweringCanaryTargetAreTargetsToo() {
    RoutingTable.Target openai = new RoutingTable.Target("openai-prod", "gpt-4o", 1, 0);
    RoutingTable.Target claude = new RoutingTable.Target("claude", "claude-sonnet-4-5", 1, 0);
    RoutingTable.Deterministic pinned = new RoutingTable.Deterministic(true, 42L, true, false);
    RoutingTable.Deterministic unpinned = new RoutingTable.Deterministic(true, 42L, false, false);
    // Requests that match the rule are served by its targets, deterministic or not.
    RoutingTable.Route withRule =
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            "det",
            1,
            List.of(openai),
            List.of(
                new RoutingTable.Rule(
                    Map.of("x-switchboard-task", "summarization"),
                    List.of(claude),
                    null,
                    null,
                    null)),
            null);

    Conditions.Desired rule = SeedHonoured.desired("chat", table(pinned, withRule));

    assertThat(rule.status()).isFalse();
    assertThat(rule.message()).contains("claude/claude-sonnet-4-5 (anthropic)");

    // A split canary answers its share unless pinTarget turns the split off.
    RoutingTable.Route withCanary =
        new RoutingTable.Route(
            "chat",
            "chat",
            List.of(),
            "det",
            1,
            List.of(openai),
            List.of(),
            new RoutingTable.Canary("split", 10, 2, List.of(claude), List.of()));
    assertThat(SeedHonoured.desired("chat", table(pinned, withCanary)).status()).isTrue();
    assertThat(SeedHonoured.desired("chat", table(unpinned, withCanary)).message())
        .contains("claude/claude-sonnet-4-5 (anthropic)");
  }

  @Test
  void nothingIsSaidWhenNoSeedIsSentByContract() {
    assertThat(SeedHonoured.desired("chat", table(null))).isNull();
    assertThat(
            SeedHonoured.desired(
                "chat", table(new RoutingTable.Deterministic(true, null, true, false))))
        .isNull();
    assertThat(
            SeedHonoured.desired(
                "chat", table(new RoutingTable.Deterministic(false, 42L, true, false))))
        .isNull();
    // requireSeed: clients send one, so it is said too.
    assertThat(
            SeedHonoured.desired(
                    "chat", table(new RoutingTable.Deterministic(true, null, true, true)))
                .status())
        .isFalse();
  }

  @Test
  void aMessageLongerThanTheCapIsReportedOnceNotOnEveryReconcile() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      Clock clock = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
      EventRecorder events = new EventRecorder(api.client(), clock);
      Conditions conditions = new Conditions(clock);
      List<RoutingTable.Target> targets = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        targets.add(
            new RoutingTable.Target("claude", "claude-sonnet-4-5-20250929-variant-" + i, 1, i));
      }
      RoutingTable.Route route =
          new RoutingTable.Route("chat", "chat", List.of(), "det", 1, targets, List.of(), null);
      RoutingTable base = table(new RoutingTable.Deterministic(true, 42L, true, false), route);
      RoutingTable table =
          new RoutingTable(
              RoutingTable.SCHEMA_VERSION,
              null,
              "ns",
              Map.of("claude", provider("claude", "anthropic")),
              base.policies(),
              List.of(route));
      assertThat(SeedHonoured.desired("chat", table).message())
          .hasSizeGreaterThan(Conditions.MAX_MESSAGE_BYTES);
      ModelRoute mr = new ModelRoute();
      mr.setMetadata(
          new ObjectMetaBuilder().withName("chat").withNamespace("ns").withGeneration(1L).build());
      List<Condition> status = List.of();
      for (int i = 0; i < 5; i++) {
        status = SeedHonoured.apply(mr, "chat", table, status, List.of(), conditions, events);
      }
      events.flushAll();
      // One Warning, recorded once (a repeat would be folded into it and counted).
      assertThat(api.client().v1().events().inNamespace("ns").list().getItems())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getReason()).isEqualTo("SeedNotHonoured");
                assertThat(e.getCount()).isEqualTo(1);
              });
    }
  }
}
