package dev.switchboard.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Repeats of one event are folded into it, as the Kubernetes event recorder does. */
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
      recorder.record(route("chat"), EventRecorder.WARNING, "R", "m");
      assertThat(events(api)).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
    }
  }
}
