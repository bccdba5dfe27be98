package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A consumer table larger than a Secret holds (the mock API server refuses it as a real one does):
 * nothing is written, the table published before stays in force, and every Consumer of the
 * namespace says so until the namespace fits again.
 */
class ConsumerTableTooLargeScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NS = "consumers-big";

  /** 64 globs of 240 characters: about 16 KB per consumer row. */
  private static final List<String> LONG_MODELS = longModels();

  private static List<String> longModels() {
    List<String> models = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      models.add(("team-x-model-family-" + i + "-").repeat(20).substring(0, 239) + "*");
    }
    return models;
  }

  private static void consumer(String name, List<String> models) {
    consumer(NS, name, models);
  }

  private static void consumer(String ns, String name, List<String> models) {
    KUBE.client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name + "-key")
                .withNamespace(ns)
                .endMetadata()
                .withStringData(Map.of("apiKey", "sk-consumer-" + name))
                .build())
        .create();
    Consumer c = new Consumer();
    c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    ConsumerSpec spec = new ConsumerSpec();
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(name + "-key");
    spec.setKeySecretRefs(List.of(ref));
    spec.setModels(models);
    c.setSpec(spec);
    KUBE.client().resource(c).create();
  }

  private static Optional<ConsumerTable> table() {
    return PublishedReads.consumerTable(KUBE.client(), NS);
  }

  private static Optional<Condition> ready(String name) {
    return ready(NS, name);
  }

  private static Optional<Condition> ready(String ns, String name) {
    return StatusReads.condition(
        KUBE.client().resources(Consumer.class).inNamespace(ns).withName(name).get(), "Ready");
  }

  @Test
  void aTableOverOneMebibyteIsNotWrittenAndEveryConsumerSaysSo() {
    consumer("small", List.of("chat-*"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(ready("small"))
                  .hasValueSatisfying(r -> assertThat(r.getStatus()).isEqualTo("True"));
              assertThat(table()).hasValueSatisfying(t -> assertThat(t.consumers()).hasSize(1));
            });

    int big = 70; // 70 × ~16 KB > 1 MiB
    for (int i = 0; i < big; i++) {
      consumer("big-" + i, LONG_MODELS);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              for (String name : List.of("small", "big-0", "big-" + (big - 1))) {
                assertThat(ready(name))
                    .hasValueSatisfying(
                        r -> {
                          assertThat(r.getStatus()).isEqualTo("False");
                          assertThat(r.getReason()).isEqualTo("ConsumerTableTooLarge");
                          assertThat(r.getMessage())
                              .startsWith(
                                  "the namespace's consumer table is over the 1048576 bytes a"
                                      + " Secret holds;")
                              .contains("the last published table stays in force");
                        });
              }
            });
    // The last table that fit is what the gateways still enforce.
    assertThat(table())
        .hasValueSatisfying(
            t ->
                assertThat(t.consumers().stream().map(ConsumerTable.Consumer::name))
                    .doesNotContain("big-" + (big - 1)));
    KUBE.operator().flushEvents();
    List<io.fabric8.kubernetes.api.model.Event> warnings =
        KUBE.client().v1().events().inNamespace(NS).list().getItems().stream()
            .filter(e -> "ConsumerTableTooLarge".equals(e.getReason()))
            .toList();
    // No flood of Events: at most one per consumer, each recorded once (its count; repeats would
    // be folded into it). A status written through UpdateControl.patchStatus was not cached for the
    // next reconcile, which another consumer's render queues at once: 75 recordings for 71
    // consumers were seen before the status was written and cached in the reconcile.
    assertThat(warnings).isNotEmpty().hasSizeLessThanOrEqualTo(big + 1);
    assertThat(warnings)
        .allSatisfy(
            e ->
                assertThat(e.getCount())
                    .as("recordings of %s", e.getInvolvedObject().getName())
                    .isEqualTo(1));
    // The exact size is said in the event, not in the condition.
    assertThat(warnings)
        .allSatisfy(
            e ->
                assertThat(e.getMessage())
                    .containsPattern(
                        "consumer table of \\d+ consumer\\(s\\) is \\d+ bytes, over the"));

    // Fitting again: every consumer is published and Ready.
    for (int i = 10; i < big; i++) {
      KUBE.client().resources(Consumer.class).inNamespace(NS).withName("big-" + i).delete();
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(ready("small"))
                  .hasValueSatisfying(r -> assertThat(r.getStatus()).isEqualTo("True"));
              assertThat(ready("big-0"))
                  .hasValueSatisfying(r -> assertThat(r.getStatus()).isEqualTo("True"));
              assertThat(table()).hasValueSatisfying(t -> assertThat(t.consumers()).hasSize(11));
            });
  }

  /**
   * A Consumer added while the table does not fit changes its size, not the condition of the
   * others: their statuses are not written again (they were, with the new size, each time — N
   * status writes for every Consumer added).
   */
  @Test
  void aConsumerAddedWhileTheTableDoesNotFitWritesNoOtherStatus() {
    String ns = "consumers-big-steady";
    int big = 70;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < big; i++) {
      names.add("big-" + i);
      consumer(ns, "big-" + i, LONG_MODELS);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              for (String name : names) {
                assertThat(ready(ns, name))
                    .as(name)
                    .hasValueSatisfying(
                        r -> assertThat(r.getReason()).isEqualTo("ConsumerTableTooLarge"));
              }
            });
    int writesBefore = statusWrites(ns, names).size();
    assertThat(writesBefore).isGreaterThanOrEqualTo(big);

    consumer(ns, "late", LONG_MODELS);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ready(ns, "late"))
                    .hasValueSatisfying(
                        r -> assertThat(r.getReason()).isEqualTo("ConsumerTableTooLarge")));
    // Some of the others reconcile for certain (an edit of their key Secret), so that a condition
    // that changed with the table's size would be written at least there.
    List<String> touched = names.subList(0, 5);
    Map<String, Integer> reconciledBefore = new java.util.HashMap<>();
    for (String name : touched) {
      Consumer c = KUBE.client().resources(Consumer.class).inNamespace(ns).withName(name).get();
      reconciledBefore.put(name, KUBE.reconciliations(c));
      KUBE.client()
          .secrets()
          .inNamespace(ns)
          .withName(name + "-key")
          .edit(
              s -> {
                s.getMetadata().setLabels(Map.of("touched", "yes"));
                return s;
              });
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              for (String name : touched) {
                Consumer c =
                    KUBE.client().resources(Consumer.class).inNamespace(ns).withName(name).get();
                assertThat(KUBE.reconciliations(c))
                    .as(name)
                    .isGreaterThan(reconciledBefore.get(name));
              }
            });

    List<String> writes = statusWrites(ns, names);
    assertThat(writes.subList(writesBefore, writes.size())).isEmpty();
  }

  /** The operator's writes of these Consumers' statuses, oldest first. */
  private static List<String> statusWrites(String ns, List<String> names) {
    return KUBE.writeLog(ns).stream()
        .filter(w -> names.stream().anyMatch(n -> w.endsWith("/consumers/" + n + "/status")))
        .toList();
  }
}
