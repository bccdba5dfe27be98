package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An object with finalizers that is deleted is kept, marked with a {@code deletionTimestamp} from
 * the clock the server was started with (as its {@code creationTimestamp} is), not the system
 * clock's, so a test on a moved clock sees the deletion at the clock's time.
 */
class DeletionTimestampTest {

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2031-03-04T05:06:07.890Z"));
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };
  private EmbeddedKubernetesApi api;

  @BeforeEach
  void start() {
    api = EmbeddedKubernetesApi.start(0, clock);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aDeleteMarksAnObjectWithFinalizersAtTheClocksTimeAndKeepsTheMark() {
    api.client()
        .configMaps()
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("held")
                .withFinalizers("test.switchboard.dev/hold")
                .endMetadata()
                .build())
        .create();
    now.set(now.get().plus(Duration.ofDays(3)));

    api.client().configMaps().withName("held").delete();

    ConfigMap marked = api.client().configMaps().withName("held").get();
    assertThat(marked).isNotNull();
    assertThat(marked.getMetadata().getCreationTimestamp()).isEqualTo("2031-03-04T05:06:07Z");
    assertThat(marked.getMetadata().getDeletionTimestamp()).isEqualTo("2031-03-07T05:06:07Z");

    // A second delete of the marked object keeps the first mark.
    now.set(now.get().plus(Duration.ofHours(1)));
    api.client().configMaps().withName("held").delete();
    assertThat(
            api.client().configMaps().withName("held").get().getMetadata().getDeletionTimestamp())
        .isEqualTo("2031-03-07T05:06:07Z");

    // Removing the finalizer lets the deletion finish.
    api.client()
        .configMaps()
        .withName("held")
        .edit(
            c -> {
              c.getMetadata().setFinalizers(List.of());
              return c;
            });
    assertThat(api.client().configMaps().withName("held").get()).isNull();
  }
}
