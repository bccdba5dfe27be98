package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.testing.Fixtures;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import dev.switchboard.operator.testing.UserEdits;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Routes whose status writes keep failing (the API server refuses them) are retried by JOSDK with
 * its backoff, and not by each other: a render reconciles sibling routes whose {@code Ready} is out
 * of date, and two routes whose writes fail stay out of date, so each one's reconcile used to
 * re-trigger the other's at once, for ever.
 */
class FailingStatusWritesTest {

  private static final String NS = "status-writes-fail";

  /**
   * A route reconciled meanwhile, each time rendering the namespace. First by name: the route that
   * a change to the published table re-triggers (which the failing ones must not be here).
   */
  private static final String BARRIER = "a-barrier";

  /** How often the barrier route is reconciled (each time rendering the namespace). */
  private static final long RENDERS = 6;

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private final KubernetesClient client = KUBE.client();

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20));
  }

  private static String statusPath(String route) {
    return "/apis/switchboard.dev/v1alpha1/namespaces/" + NS + "/modelroutes/" + route + "/status";
  }

  /** Status writes the operator attempted for the route, the refused ones included. */
  private static long statusWrites(String route) {
    return KUBE.writeLog(NS).stream().filter(w -> w.endsWith(" " + statusPath(route))).count();
  }

  private void awaitReady(String route, String status) {
    eventually()
        .untilAsserted(
            () -> {
              ModelRoute current =
                  client.resources(ModelRoute.class).inNamespace(NS).withName(route).get();
              assertThat(current.getStatus()).isNotNull();
              assertThat(current.getStatus().getObservedGeneration())
                  .isEqualTo(current.getMetadata().getGeneration());
              assertThat(current.getStatus().getConditions())
                  .anySatisfy(
                      c -> {
                        assertThat(c.getType()).isEqualTo("Ready");
                        assertThat(c.getStatus()).isEqualTo(status);
                      });
            });
  }

  private void awaitObserved(String route, long generation) {
    eventually()
        .untilAsserted(
            () ->
                assertThat(
                        StatusReads.status(
                                client
                                    .resources(ModelRoute.class)
                                    .inNamespace(NS)
                                    .withName(route)
                                    .get())
                            .getObservedGeneration())
                    .as("observedGeneration of %s", route)
                    .isEqualTo(generation));
  }

  @Test
  void twoRoutesWhoseStatusWritesFailDoNotReconcileEachOtherInALoop() {
    Fixtures.load("fixtures/namespace-basic.yaml", NS)
        .forEach(item -> client.resource(item).create());
    awaitReady("chat-default", "True");
    awaitReady("reasoning", "True");
    // As when the operator's role lacks the status subresource: every status write is refused.
    String refused =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":403,"
            + "\"reason\":\"Forbidden\",\"message\":\"modelroutes/status is forbidden\"}";
    for (String route : List.of("chat-default", "reasoning")) {
      KUBE.api()
          .mockServer()
          .expect()
          .put()
          .withPath(statusPath(route))
          .andReturn(403, refused)
          .always();
      KUBE.api()
          .mockServer()
          .expect()
          .patch()
          .withPath(statusPath(route))
          .andReturn(403, refused)
          .always();
    }

    // Both routes lose their providers: each one's Ready must change, and neither can say so.
    long writesBefore = statusWrites("chat-default");
    long reasoningBefore = statusWrites("reasoning");
    client.resources(ProviderEndpoint.class).inNamespace(NS).withName("openai-prod").delete();
    client.resources(ProviderEndpoint.class).inNamespace(NS).withName("anthropic-prod").delete();
    eventually()
        .until(
            () ->
                statusWrites("chat-default") >= writesBefore + 2
                    && statusWrites("reasoning") >= reasoningBefore + 2);

    // A barrier: a third route, created and changed, is reconciled RENDERS times meanwhile, each
    // time rendering the namespace with the two out-of-date routes in it.
    long before = statusWrites("chat-default") + statusWrites("reasoning");
    ModelRoute barrier =
        Serialization.unmarshal(
            """
            apiVersion: switchboard.dev/v1alpha1
            kind: ModelRoute
            metadata: {name: %s, namespace: %s}
            spec:
              targets:
                - {providerRef: {name: vllm-local}, model: llama-3.1-8b-instruct}
            """
                .formatted(BARRIER, NS),
            ModelRoute.class);
    client.resource(barrier).create();
    awaitObserved(BARRIER, 1L);
    for (long generation = 2; generation <= RENDERS; generation++) {
      String alias = "barrier-alias-" + generation;
      UserEdits.edit(
          client.resources(ModelRoute.class).inNamespace(NS).withName(BARRIER),
          r -> {
            r.getSpec().setAliases(List.of(alias));
            return r;
          });
      awaitObserved(BARRIER, generation);
    }
    long after = statusWrites("chat-default") + statusWrites("reasoning");
    // Each failing route is reconciled again once for what its status should say, and then by
    // JOSDK's retries (2 s apart and more); a loop wrote again with every render, and on and on.
    assertThat(after - before)
        .as(
            "status writes of the two failing routes while another route was reconciled %d times",
            RENDERS)
        .isLessThanOrEqualTo(4);
  }
}
