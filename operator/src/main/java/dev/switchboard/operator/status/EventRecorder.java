package dev.switchboard.operator.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on custom resources for state transitions (Normal when a resource
 * becomes ready, Warning for problems). Callers record only transitions, so a steady state writes
 * nothing. A failure to record is logged and never fails a reconcile.
 */
public final class EventRecorder {

  /** The component name events are reported under. */
  public static final String COMPONENT = "switchboard-operator";

  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** Records one event about {@code resource}. */
  public void record(HasMetadata resource, String type, String reason, String message) {
    String now =
        DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    String text = Conditions.capped(message);
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(resource.getMetadata().getName().toLowerCase(Locale.ROOT) + ".")
            .withNamespace(resource.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(resource.getApiVersion())
                    .withKind(resource.getKind())
                    .withName(resource.getMetadata().getName())
                    .withNamespace(resource.getMetadata().getNamespace())
                    .withUid(resource.getMetadata().getUid())
                    .withResourceVersion(resource.getMetadata().getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(text)
            .withCount(1)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client
          .v1()
          .events()
          .inNamespace(resource.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn(
          "could not record event {} on {}/{}: {}",
          reason,
          resource.getKind(),
          resource.getMetadata().getName(),
          e.getMessage());
    }
  }
}
