package dev.switchboard.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Repeats of one event are folded into it, as the Kubernetes event recorder does, and the repeats
 * of one coalescing window are written as one update.
 */
class EventRecorderTest {

  private static ModelRoute route(String name) {
    ModelRoute route = new ModelRoute();
    route.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid(name + "-uid").build());
    return route;
  }

  private static List<Event> events(EmbeddedKubernetesApi api) {
    return api.client().v1().events().inNamespace("ns").list().getItems().stream()
        .sorted(Comparator.comparing(Event::getFirstTimestamp))
        .toList();
  }

  @Test
  void aRepeatWithinTheWindowIncrementsTheCountInsteadOfAddingAnEvent() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
      EventRecorder recorder = new EventRecorder(api.client(), clock);
      ModelRoute chat = route("chat");
      for (int i = 0; i < 5; i++) {
        recorder.record(chat, EventRecorder.WARNING, "RoutingTableRejected", "sample 1.5");
        clock.advance(Duration.ofSeconds(30));
      }
      assertThat(events(api))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getCount()).isEqualTo(5);
                assertThat(e.getFirstTimestamp()).isEqualTo("2026-12-01T10:00:00Z");
                assertThat(e.getLastTimestamp()).isEqualTo("2026-12-01T10:02:00Z");
              });

      // Another message, another reason or another object is another event.
      recorder.record(chat, EventRecorder.WARNING, "RoutingTableRejected", "sample 2");
      recorder.record(chat, EventRecorder.WARNING, "SeedNotHonoured", "sample 1.5");
      recorder.record(route("other"), EventRecorder.WARNING, "RoutingTableRejected", "sample 1.5");
      assertThat(events(api)).hasSize(4);

      // Past the window since it was last counted, a repeat is recorded afresh.
      clock.advance(EventRecorder.AGGREGATION_WINDOW.plusSeconds(1));
      recorder.record(chat, EventRecorder.WARNING, "RoutingTableRejected", "sample 1.5");
      assertThat(events(api)).hasSize(5);
    }
  }

  @Test
  void anAggregatedEventDeletedMeanwhileIsRecordedAgain() {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
      EventRecorder recorder = new EventRecorder(api.client(), clock);
      recorder.record(route("chat"), EventRecorder.WARNING, "R", "m");
      api.client().v1().events().inNamespace("ns").delete();
      clock.advance(EventRecorder.COALESCE_WINDOW);
      recorder.record(route("chat"), EventRecorder.WARNING, "R", "m");
      assertThat(events(api)).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));

      // Deleted while a repeat waits for its window: the flush finds it gone and forgets it, and
      // the next repeat is recorded afresh.
      recorder.record(route("chat"), EventRecorder.WARNING, "R", "m");
      api.client().v1().events().inNamespace("ns").delete();
      clock.advance(EventRecorder.COALESCE_WINDOW);
      recorder.flushDue();
      assertThat(events(api)).isEmpty();
      recorder.record(route("chat"), EventRecorder.WARNING, "R", "m");
      assertThat(events(api)).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
    }
  }

  /** The PATCHes of events the mock API server received since the last call. */
  private static int patches(EmbeddedKubernetesApi api) throws InterruptedException {
    int patches = 0;
    RecordedRequest request;
    while ((request = api.mockServer().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
      if ("PATCH".equals(request.getMethod())
          && request.getPath().startsWith("/api/v1/namespaces/ns/events/")) {
        patches++;
      }
    }
    return patches;
  }

  @Test
  void aBurstOfRepeatsIsOneUpdatePerWindowNotOnePerRepeat() throws Exception {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
      EventRecorder recorder = new EventRecorder(api.client(), clock);
      ModelRoute chat = route("chat");
      recorder.record(chat, EventRecorder.WARNING, "RoutingTableRejected", "sample 1.5");
      // A reconcile retried in a tight loop: 20 repeats in 20 seconds.
      for (int i = 0; i < 20; i++) {
        clock.advance(Duration.ofSeconds(1));
        recorder.record(chat, EventRecorder.WARNING, "RoutingTableRejected", "sample 1.5");
      }
      assertThat(patches(api)).as("repeats inside the window are counted in memory").isZero();
      assertThat(events(api)).singleElement().satisfies(e -> assertThat(e.getCount()).isOne());

      recorder.flushDue(); // the window since the create is not over
      assertThat(patches(api)).isZero();

      clock.advance(EventRecorder.COALESCE_WINDOW);
      recorder.flushDue();
      assertThat(patches(api)).as("the window's repeats, written once").isOne();
      assertThat(events(api))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getCount()).isEqualTo(21);
                assertThat(e.getFirstTimestamp()).isEqualTo("2026-12-01T10:00:00Z");
                // When it was last seen, not when the count was written.
                assertThat(e.getLastTimestamp()).isEqualTo("2026-12-01T10:00:20Z");
              });

      recorder.flushDue(); // nothing new: nothing written
      assertThat(patches(api)).isZero();
    }
  }

  @Test
  void countsNotYetWrittenAreWrittenWhenForgottenAndOnFlushAll() throws Exception {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start()) {
      MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
      EventRecorder recorder = new EventRecorder(api.client(), clock, 2);
      recorder.record(route("a"), EventRecorder.WARNING, "R", "m");
      recorder.record(route("a"), EventRecorder.WARNING, "R", "m");
      recorder.record(route("b"), EventRecorder.WARNING, "R", "m");
      recorder.record(route("b"), EventRecorder.WARNING, "R", "m");
      // A third event pushes the first out of memory (at most two remembered): its repeat is kept
      // for the next flush, due or not, and then forgotten.
      recorder.record(route("c"), EventRecorder.WARNING, "R", "m");
      patches(api);
      recorder.flushDue();
      assertThat(patches(api)).isOne();
      recorder.flushAll(); // b's repeat, before its window is over
      assertThat(patches(api)).isOne();
      assertThat(events(api))
          .extracting(e -> e.getInvolvedObject().getName() + "=" + e.getCount())
          .containsExactlyInAnyOrder("a=2", "b=2", "c=1");
    }
  }
}
