package dev.switchboard.operator.evaluation;

import static dev.switchboard.operator.evaluation.EvaluationTrackerTest.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.render.NamespaceView;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Earlier versions cleared {@code status.evaluation} when {@code spec.evaluation} was removed and
 * left the evaluation's keys in {@code switchboard-evaluations}: a route without evaluation whose
 * status no longer names one. They are removed at the route's first reconcile after the operator
 * starts, without a runbook write, and never looked for again while it runs.
 */
class EvaluationKeysLeftBehindTest {

  private static final String NS = "team-a";
  private static final String STATE_PATH =
      "/api/v1/namespaces/" + NS + "/configmaps/" + EvaluationTracker.STATE_CONFIG_MAP;

  private static ModelRoute route(String name) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ModelRouteSpec spec = new ModelRouteSpec();
    LocalObjectRef openai = new LocalObjectRef();
    openai.setName("openai");
    RouteTarget target = new RouteTarget();
    target.setProviderRef(openai);
    target.setModel("gpt-4-turbo");
    spec.setTargets(List.of(target));
    route.setSpec(spec);
    return route;
  }

  private static NamespaceView view(ModelRoute route) {
    return new NamespaceView(NS, List.of(), List.of(), List.of(route), n -> Optional.empty());
  }

  private static Clock clock() {
    return Clock.fixed(START, ZoneId.of("UTC"));
  }

  private static void putState(EmbeddedKubernetesApi api, Map<String, String> data) {
    api.client()
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(EvaluationTracker.STATE_CONFIG_MAP)
                .withNamespace(NS)
                .addToLabels("app.kubernetes.io/managed-by", "switchboard-operator")
                .endMetadata()
                .withData(data)
                .build())
        .createOr(existing -> existing.edit(cm -> new ConfigMapBuilder(cm).withData(data).build()));
  }

  private static Map<String, String> state(EmbeddedKubernetesApi api) {
    ConfigMap cm =
        api.client()
            .configMaps()
            .inNamespace(NS)
            .withName(EvaluationTracker.STATE_CONFIG_MAP)
            .get();
    return cm.getData() == null ? Map.of() : cm.getData();
  }

  /** The requests for the state ConfigMap the mock API server received since the last call. */
  private static long stateRequests(EmbeddedKubernetesApi api) throws InterruptedException {
    long requests = 0;
    RecordedRequest request;
    while ((request = api.mockServer().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
      if (request.getPath().startsWith(STATE_PATH)) {
        requests++;
      }
    }
    return requests;
  }

  @Test
  void aRouteWithoutEvaluationLosesTheKeysAnEarlierVersionLeftOncePerOperatorStart()
      throws Exception {
    // As an earlier version left it: spec.evaluation removed, status.evaluation cleared.
    ModelRoute chat = route("chat");
    String other = "chat.v2.e9f8e7d6.json";
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      putState(
          api,
          Map.of(
              "chat.e1a2b3c4.json",
              "{\"id\":\"e1a2b3c4\"}",
              "chat.e5e6e7e8.json",
              "{\"id\":\"e5e6e7e8\"}",
              other,
              "{\"id\":\"e9f8e7d6\"}"));
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> List.of(), clock());

      assertThat(tracker.track(chat, view(chat))).isEmpty();

      // Only its own keys go (not those of a route whose name it prefixes); nothing else written.
      assertThat(state(api)).containsOnlyKeys(other);
      assertThat(
              api.client()
                  .configMaps()
                  .inNamespace(NS)
                  .withName(EvaluationTracker.RUNBOOK_CONFIG_MAP)
                  .get())
          .isNull();

      // Its later reconciles do not look again while this operator runs.
      stateRequests(api);
      for (int reconcile = 0; reconcile < 3; reconcile++) {
        assertThat(tracker.track(chat, view(chat))).isEmpty();
      }
      assertThat(stateRequests(api)).isZero();
    }
  }

  @Test
  void withTheInformersARouteWithoutKeysCostsNoRead() throws Exception {
    ModelRoute quiet = route("quiet");
    ModelRoute chat = route("chat");
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start();
        InformedConfigMaps informers = new InformedConfigMaps(api.client())) {
      putState(api, Map.of("chat.e1a2b3c4.json", "{\"id\":\"e1a2b3c4\"}"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> informers.get(NS, EvaluationTracker.STATE_CONFIG_MAP).isPresent());
      EvaluationTracker tracker = new EvaluationTracker(api.client(), ns -> List.of(), clock());
      tracker.readReportConfigMapsFrom(informers);
      stateRequests(api);

      assertThat(tracker.track(quiet, view(quiet))).isEmpty();
      assertThat(stateRequests(api)).isZero();

      assertThat(tracker.track(chat, view(chat))).isEmpty();
      assertThat(state(api)).isEmpty();
    }
  }
}
