package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A CRD reports {@code NamesAccepted} and {@code Established} once written, as an API server's
 * controllers report it moments later: Helm and any client that waits for {@code Established}
 * before using a new kind can wait here.
 */
class CrdEstablishedTest {

  private static final String WIDGETS = "widgets.test.switchboard.dev";

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
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
  void anInstalledCrdIsEstablishedWithItsNamesAccepted() throws IOException {
    install();

    CustomResourceDefinition crd = crd();
    assertThat(condition(crd, "Established").getStatus()).isEqualTo("True");
    assertThat(condition(crd, "Established").getReason()).isEqualTo("InitialNamesAccepted");
    assertThat(condition(crd, "NamesAccepted").getStatus()).isEqualTo("True");
    assertThat(condition(crd, "NamesAccepted").getReason()).isEqualTo("NoConflicts");
    assertThat(condition(crd, "Established").getLastTransitionTime())
        .isEqualTo("2026-12-06T10:00:00Z");
    assertThat(crd.getStatus().getAcceptedNames()).isEqualTo(crd.getSpec().getNames());
    assertThat(crd.getStatus().getStoredVersions()).isEqualTo(List.of("v1"));
  }

  @Test
  void aClientWaitingForEstablishedIsReleased() throws IOException {
    install();

    CustomResourceDefinition established =
        api.client()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(WIDGETS)
            .waitUntilCondition(
                crd ->
                    crd != null
                        && crd.getStatus() != null
                        && crd.getStatus().getConditions().stream()
                            .anyMatch(
                                c ->
                                    c.getType().equals("Established")
                                        && c.getStatus().equals("True")),
                5,
                TimeUnit.SECONDS);

    assertThat(established.getMetadata().getName()).isEqualTo(WIDGETS);
  }

  @Test
  void reinstallingKeepsTheTransitionTime() throws IOException {
    install();
    now.set(Instant.parse("2026-12-06T11:00:00Z"));

    install(); // an update of the same CRD, without status, as installCrds and kubectl send it

    CustomResourceDefinition crd = crd();
    assertThat(condition(crd, "Established").getLastTransitionTime())
        .isEqualTo("2026-12-06T10:00:00Z");
    assertThat(condition(crd, "Established").getStatus()).isEqualTo("True");
  }

  private void install() throws IOException {
    try (InputStream crd =
        getClass().getResourceAsStream("/crds/widgets.test.switchboard.dev.yaml")) {
      api.installCrds(crd);
    }
  }

  private CustomResourceDefinition crd() {
    return api.client().apiextensions().v1().customResourceDefinitions().withName(WIDGETS).get();
  }

  private static CustomResourceDefinitionCondition condition(
      CustomResourceDefinition crd, String type) {
    return crd.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type + " in " + crd.getStatus()));
  }
}
