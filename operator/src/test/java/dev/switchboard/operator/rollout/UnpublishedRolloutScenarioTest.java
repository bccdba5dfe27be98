package dev.switchboard.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.metrics.OperatorMetrics;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.UserEdits;
import dev.switchboard.operator.time.OffsetClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rollout decision whose routing table is not published (here: too large for its one 1 KiB shard)
 * did not happen: the operator's rollout gauges keep saying what the gateways serve, and the
 * metrics source keeps the sums of the step that goes on. They used to change while the rollout was
 * planned, before the table was found too large.
 */
class UnpublishedRolloutScenarioTest {

  private static final Path CRDS = Path.of("../crds");
  private static final OffsetClock CLOCK = OffsetClock.systemUtc();
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final FakeMetricsSource METRICS = new FakeMetricsSource();

  private static EmbeddedKubernetesApi api;
  private static KubernetesClient operatorClient;
  private static SwitchboardOperator operator;
  private static OperatorMetrics gauges;

  private KubernetesClient client;
  private String ns;

  @BeforeAll
  static void startOperator() {
    api = EmbeddedKubernetesApi.start(0, CLOCK);
    api.installCrds(
        CRDS.resolve("providerendpoints.switchboard.dev-v1.yml"),
        CRDS.resolve("routingpolicies.switchboard.dev-v1.yml"),
        CRDS.resolve("modelroutes.switchboard.dev-v1.yml"));
    operatorClient = TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
    gauges = new OperatorMetrics();
    operator =
        SwitchboardOperator.start(
            operatorClient,
            OperatorSettings.forMockApiServer(),
            CLOCK,
            new ProgressiveCanaryPlanner(
                CLOCK, METRICS, gauges, CanaryGate.NONE, OffsetClock.RECHECK),
            o -> {},
            new RoutingTablePublisher.Limits(256, 1024, 1));
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.stop();
    }
    if (gauges != null) {
      gauges.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @BeforeEach
  void namespace() {
    ns = "unpublished-" + NAMESPACES.incrementAndGet();
    client = api.client();
    METRICS.answerNothing();
    Fixtures.load("fixtures/canary-route.yaml", ns).forEach(item -> client.resource(item).create());
    eventually()
        .untilAsserted(
            () -> {
              assertThat(StatusReads.status(route()).getPhase()).isEqualTo("Stable");
              assertThat(published().canary()).isNull();
            });
  }

  @Test
  void aCanaryWhoseStartIsNotPublishedIsNotInTheGauges() throws Exception {
    List<String> aliases = noisyAliases();
    editRoute(
        r -> {
          r.getSpec().getTargets().get(0).setModel("gpt-5");
          r.getSpec().setAliases(aliases);
        });
    awaitTooLarge();

    assertThat(published().canary()).as("nothing was published").isNull();
    assertThat(gauges.registry().scrape())
        .as("no canary serves, so no gauge says one does")
        .doesNotContain(phase("Progressing") + " 1.0")
        .doesNotContain(weight() + " 10.0");
    assertThat(METRICS.restored)
        .as("what the start's plan moved in the metrics source is put back")
        .contains(ns + "/chat");
  }

  @Test
  void aRollbackThatIsNotPublishedLeavesTheGaugesAndTheSourceAtTheRunningCanary() throws Exception {
    editRoute(r -> r.getSpec().getTargets().get(0).setModel("gpt-5"));
    eventually()
        .untilAsserted(
            () -> {
              assertThat(route().getStatus().getPhase()).isEqualTo("Progressing");
              assertThat(published().canary().weight()).isEqualTo(10);
              assertThat(gauges.registry().scrape()).contains(weight() + " 10.0");
            });

    long forgottenWhileRunning = forgotten();

    // The abort rolls back, but the aliases of the same edit make the table too large.
    List<String> aliases = noisyAliases();
    editRoute(
        r -> {
          r.getSpec().setAliases(aliases);
          r.getMetadata().getAnnotations().put(ProgressiveCanaryPlanner.ABORT_ANNOTATION, "true");
        });
    awaitTooLarge();

    assertThat(published().canary().weight()).as("the canary still serves").isEqualTo(10);
    assertThat(gauges.registry().scrape())
        .contains(weight() + " 10.0")
        .contains(phase("Progressing") + " 1.0")
        .contains(phase("RolledBack") + " 0.0");
    assertThat(forgotten())
        .as("the step goes on: the source keeps its sums and baselines")
        .isEqualTo(forgottenWhileRunning);
  }

  /** How often the source was told to forget the route (every stable decision does). */
  private long forgotten() {
    synchronized (METRICS.forgotten) {
      return METRICS.forgotten.stream().filter((ns + "/chat")::equals).count();
    }
  }

  private void awaitTooLarge() {
    eventually()
        .untilAsserted(
            () -> {
              ModelRoute route = route();
              assertThat(StatusReads.condition(route, "Ready"))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("RoutingTableTooLarge");
                      });
              assertThat(route.getStatus().getObservedGeneration())
                  .isEqualTo(route.getMetadata().getGeneration());
            });
  }

  private String weight() {
    return "switchboard_canary_weight{namespace=\"" + ns + "\",route=\"chat\"}";
  }

  private String phase(String phase) {
    return "switchboard_canary_phase{namespace=\""
        + ns
        + "\",phase=\""
        + phase
        + "\",route=\"chat\"}";
  }

  /** Sixteen long hex aliases: barely compressible, far over one 1 KiB shard. */
  private static List<String> noisyAliases() throws Exception {
    List<String> aliases = new ArrayList<>();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 16; i++) {
      StringBuilder hex = new StringBuilder("a");
      for (int j = 0; j < 3; j++) {
        hex.append(
            HexFormat.of()
                .formatHex(sha.digest(("alias-" + i + "-" + j).getBytes(StandardCharsets.UTF_8))));
      }
      aliases.add(hex.toString());
    }
    return aliases;
  }

  private void editRoute(Consumer<ModelRoute> change) {
    UserEdits.edit(
        client.resources(ModelRoute.class).inNamespace(ns).withName("chat"),
        r -> {
          if (r.getMetadata().getAnnotations() == null) {
            r.getMetadata().setAnnotations(new java.util.HashMap<>());
          }
          change.accept(r);
          return r;
        });
  }

  private ModelRoute route() {
    return client.resources(ModelRoute.class).inNamespace(ns).withName("chat").get();
  }

  private RoutingTable.Route published() {
    return PublishedReads.presentRoute(client, ns, "chat");
  }

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100));
  }
}
