package dev.switchboard.operator.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on custom resources for state transitions (Normal when a resource
 * becomes ready, Warning for problems). Callers record only transitions, so a steady state writes
 * nothing; a repeat that slips through is folded into the event already recorded ({@code count}). A
 * failure to record is logged and never fails a reconcile.
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

  /**
   * How long a repeat of an event (same object, type, reason and message) is folded into the
   * recorded one, as the Kubernetes event recorder aggregates: its {@code count} goes up and its
   * {@code lastTimestamp} moves, instead of a new Event each time.
   */
  public static final Duration AGGREGATION_WINDOW = Duration.ofMinutes(10);

  /** How many recent events are remembered for folding repeats (the oldest is forgotten). */
  static final int REMEMBERED = 4096;

  /** The event recorded last for each key, oldest first. */
  private final Map<Key, Recorded> recent =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Recorded> eldest) {
          return size() > REMEMBERED;
        }
      };

  /**
   * Records one event about {@code resource}; a repeat within {@link #AGGREGATION_WINDOW} of the
   * last one with the same object, type, reason and message increments that event's count instead,
   * so a condition a reconcile keeps finding cannot flood the namespace with Events.
   */
  public void record(HasMetadata resource, String type, String reason, String message) {
    Instant instant = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String now = DateTimeFormatter.ISO_INSTANT.format(instant);
    String text = Conditions.capped(message);
    String namespace = resource.getMetadata().getNamespace();
    Key key =
        new Key(
            namespace,
            resource.getKind(),
            resource.getMetadata().getName(),
            resource.getMetadata().getUid(),
            type,
            reason,
            text);
    Recorded last;
    synchronized (recent) {
      last = recent.get(key);
    }
    if (last != null && !instant.isAfter(last.at().plus(AGGREGATION_WINDOW))) {
      int count = last.count() + 1;
      try {
        client
            .v1()
            .events()
            .inNamespace(namespace)
            .withName(last.name())
            .patch(
                PatchContext.of(PatchType.JSON_MERGE),
                "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}");
        synchronized (recent) {
          recent.put(key, new Recorded(last.name(), count, instant));
        }
        return;
      } catch (KubernetesClientException e) {
        // Gone (expired, deleted) or not patchable: recorded afresh below.
        LOG.debug("could not aggregate event {} into {}: {}", reason, last.name(), e.getMessage());
      }
    }
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(resource.getMetadata().getName().toLowerCase(Locale.ROOT) + ".")
            .withNamespace(namespace)
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(resource.getApiVersion())
                    .withKind(resource.getKind())
                    .withName(resource.getMetadata().getName())
                    .withNamespace(namespace)
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
      Event created = client.v1().events().inNamespace(namespace).resource(event).create();
      if (created != null && created.getMetadata() != null) {
        synchronized (recent) {
          recent.put(key, new Recorded(created.getMetadata().getName(), 1, instant));
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warn(
          "could not record event {} on {}/{}: {}",
          reason,
          resource.getKind(),
          resource.getMetadata().getName(),
          e.getMessage());
    }
  }

  /** What makes two events the same one, as the Kubernetes event aggregator compares them. */
  private record Key(
      String namespace,
      String kind,
      String name,
      String uid,
      String type,
      String reason,
      String message) {}

  /** The Event a key was last recorded as, its count and when it was last counted. */
  private record Recorded(String name, int count, Instant at) {}
}
