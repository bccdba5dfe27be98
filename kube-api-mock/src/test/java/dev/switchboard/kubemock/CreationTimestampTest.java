package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Objects are stamped {@code creationTimestamp} by the clock the server was started with, so that a
 * test moving that clock (and the clock of the code under test) orders creations at once, instead
 * of waiting for the next second of real time.
 */
class CreationTimestampTest {

  private static final ResourceDefinitionContext WIDGETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("test.switchboard.dev")
          .withVersion("v1")
          .withKind("Widget")
          .withPlural("widgets")
          .withNamespaced(true)
          .build();

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
  void start() throws IOException {
    api = EmbeddedKubernetesApi.start(0, clock);
    try (InputStream crd =
        getClass().getResourceAsStream("/crds/widgets.test.switchboard.dev.yaml")) {
      api.installCrds(crd);
    }
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void createdObjectsAreStampedByTheClockInWholeSeconds() {
    ConfigMap created =
        api.client()
            .configMaps()
            .resource(
                new ConfigMapBuilder().withNewMetadata().withName("first").endMetadata().build())
            .create();
    GenericKubernetesResource widget =
        api.client().genericKubernetesResources(WIDGETS).resource(widget("small", 1)).create();

    // The create's answer and every later read say the same.
    assertThat(created.getMetadata().getCreationTimestamp()).isEqualTo("2031-03-04T05:06:07Z");
    assertThat(widget.getMetadata().getCreationTimestamp()).isEqualTo("2031-03-04T05:06:07Z");
    assertThat(
            api.client().configMaps().withName("first").get().getMetadata().getCreationTimestamp())
        .isEqualTo("2031-03-04T05:06:07Z");
    assertThat(
            api.client()
                .genericKubernetesResources(WIDGETS)
                .withName("small")
                .get()
                .getMetadata()
                .getCreationTimestamp())
        .isEqualTo("2031-03-04T05:06:07Z");
    assertThat(
            api.client()
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("widgets.test.switchboard.dev")
                .get()
                .getMetadata()
                .getCreationTimestamp())
        .isEqualTo("2031-03-04T05:06:07Z");
  }

  @Test
  void aClockMovedASecondOrdersCreationsAndUpdatesKeepTheStamp() {
    api.client().genericKubernetesResources(WIDGETS).resource(widget("older", 1)).create();
    now.set(now.get().plus(Duration.ofSeconds(1)));
    api.client().genericKubernetesResources(WIDGETS).resource(widget("newer", 1)).create();
    now.set(now.get().plus(Duration.ofHours(1)));
    api.client()
        .genericKubernetesResources(WIDGETS)
        .withName("older")
        .edit(
            w -> {
              w.setAdditionalProperty("spec", Map.of("size", 2));
              return w;
            });

    assertThat(stamp("older")).isEqualTo("2031-03-04T05:06:07Z");
    assertThat(stamp("newer")).isEqualTo("2031-03-04T05:06:08Z");
  }

  private String stamp(String name) {
    return api.client()
        .genericKubernetesResources(WIDGETS)
        .withName(name)
        .get()
        .getMetadata()
        .getCreationTimestamp();
  }

  private static GenericKubernetesResource widget(String name, int size) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("test.switchboard.dev/v1")
        .withKind("Widget")
        .withNewMetadata()
        .withName(name)
        .withNamespace(EmbeddedKubernetesApi.DEFAULT_NAMESPACE)
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("size", size)))
        .build();
  }
}
