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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on custom resources for state transitions (Normal when a resource
 * becomes ready, Warning for problems). Callers record only transitions, so a steady state writes
 * nothing; a repeat that slips through is folded into the event already recorded ({@code count}),
 * and the repeats of one {@link #COALESCE_WINDOW} are written as one update ({@link #flushDue}). A
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
  private final int remembered;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this(client, clock, REMEMBERED);
  }

  /** As above, remembering at most {@code remembered} events (tests). */
  EventRecorder(KubernetesClient client, Clock clock, int remembered) {
    this.client = client;
    this.clock = clock;
    this.remembered = remembered;
  }

  /**
   * How long a repeat of an event (same object, type, reason and message) is folded into the
   * recorded one, as the Kubernetes event recorder aggregates: its {@code count} goes up and its
   * {@code lastTimestamp} moves, instead of a new Event each time.
   */
  public static final Duration AGGREGATION_WINDOW = Duration.ofMinutes(10);

  /**
   * The shortest time between two writes of one event's count. The first occurrence is created at
   * once; a repeat is written when the last write is this old, else counted in memory and written
   * by the next {@link #flushDue} once it is: a reconcile retried in a tight loop costs one PATCH
   * per event per window, not one per repeat. client-go's {@code events.k8s.io} recorder does the
   * same with its series (counted in memory, written every 30 minutes and 6 minutes after the last
   * repeat); a shorter window keeps {@code kubectl describe} within a minute of the truth.
   */
  public static final Duration COALESCE_WINDOW = Duration.ofMinutes(1);

  /** How often the operator looks for coalesced repeats to write ({@link #flushDue}). */
  public static final Duration FLUSH_EVERY = Duration.ofSeconds(5);

  /** How many recent events are remembered for folding repeats (the oldest is forgotten). */
  static final int REMEMBERED = 4096;

  /** Counts of forgotten events still to write (as many as are remembered); under recent. */
  private final List<Update> evicted = new ArrayList<>();

  /** The event recorded last for each key, least recently counted first; guarded by itself. */
  private final Map<Key, Recorded> recent =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Recorded> eldest) {
          if (size() <= remembered) {
            return false;
          }
          Recorded forgotten = eldest.getValue();
          if (forgotten.pending() && evicted.size() < remembered) {
            // Its repeats not yet written go out with the next flush; then it is forgotten.
            evicted.add(forgotten.take());
          }
          return true;
        }
      };

  /**
   * Records one event about {@code resource}; a repeat within {@link #AGGREGATION_WINDOW} of the
   * last one with the same object, type, reason and message increments that event's count instead,
   * so a condition a reconcile keeps finding cannot flood the namespace with Events. The count is
   * written at once when it was last written {@link #COALESCE_WINDOW} ago or more, else by {@link
   * #flushDue}.
   */
  public void record(HasMetadata resource, String type, String reason, String message) {
    Instant instant = clock.instant().truncatedTo(ChronoUnit.SECONDS);
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
    Update update = null;
    synchronized (recent) {
      Recorded last = recent.get(key);
      if (last != null && !instant.isAfter(last.observed.plus(AGGREGATION_WINDOW))) {
        last.count++;
        last.observed = instant;
        if (!last.due(instant)) {
          return; // coalesced: written with the window's other repeats
        }
        update = last.take(instant);
      }
    }
    if (update != null && write(update)) {
      return;
    }
    create(resource, key, type, reason, text, instant);
  }

  /**
   * Writes the counts of repeats whose event was last written {@link #COALESCE_WINDOW} ago or more
   * (one PATCH each), and of forgotten events. Called periodically (the operator: every few
   * seconds); cheap when nothing is pending.
   */
  public void flushDue() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    List<Update> updates = new ArrayList<>();
    synchronized (recent) {
      updates.addAll(evicted);
      evicted.clear();
      for (Recorded r : recent.values()) {
        if (r.pending() && r.due(now)) {
          updates.add(r.take(now));
        }
      }
    }
    writeOrForget(updates);
  }

  private void writeOrForget(List<Update> updates) {
    for (Update update : updates) {
      if (!write(update)) {
        forget(update);
      }
    }
  }

  /**
   * Forgets an event whose count could not be written (deleted, expired): its next repeat is
   * recorded afresh. The repeats counted since its last write are lost, as the event was.
   */
  private void forget(Update update) {
    synchronized (recent) {
      recent.remove(update.key(), update.recorded());
    }
  }

  /** Writes every count not yet written, due or not (the operator stopping; tests). */
  public void flushAll() {
    List<Update> updates = new ArrayList<>();
    synchronized (recent) {
      updates.addAll(evicted);
      evicted.clear();
      for (Recorded r : recent.values()) {
        if (r.pending()) {
          updates.add(r.take(r.written));
        }
      }
    }
    writeOrForget(updates);
  }

  /** Patches an event's count and last time; false when it is gone (expired, deleted). */
  private boolean write(Update update) {
    try {
      client
          .v1()
          .events()
          .inNamespace(update.namespace())
          .withName(update.name())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"count\":"
                  + update.count()
                  + ",\"lastTimestamp\":\""
                  + DateTimeFormatter.ISO_INSTANT.format(update.observed())
                  + "\"}");
      return true;
    } catch (KubernetesClientException e) {
      // Gone or not patchable: a repeat is recorded afresh; a flushed count is lost.
      LOG.debug("could not aggregate into event {}: {}", update.name(), e.getMessage());
      return false;
    }
  }

  private void create(
      HasMetadata resource, Key key, String type, String reason, String text, Instant instant) {
    String now = DateTimeFormatter.ISO_INSTANT.format(instant);
    String namespace = key.namespace();
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
          recent.put(key, new Recorded(key, created.getMetadata().getName(), instant));
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

  /**
   * The Event a key was last recorded as: its count and when it was last counted, and the count and
   * time last written. Fields guarded by {@link #recent}.
   */
  private static final class Recorded {
    final Key key;
    final String name;
    int count = 1;
    int writtenCount = 1;
    Instant observed;
    Instant written;

    Recorded(Key key, String name, Instant at) {
      this.key = key;
      this.name = name;
      this.observed = at;
      this.written = at;
    }

    boolean pending() {
      return count > writtenCount;
    }

    boolean due(Instant now) {
      return !now.isBefore(written.plus(COALESCE_WINDOW));
    }

    /** The update that writes the count as it is now, marked written at {@code at}. */
    Update take(Instant at) {
      writtenCount = count;
      written = at;
      return new Update(this, count, observed);
    }

    Update take() {
      return take(written);
    }
  }

  /** One PATCH of an event's count and last time. */
  private record Update(Recorded recorded, int count, Instant observed) {
    Key key() {
      return recorded.key;
    }

    String namespace() {
      return recorded.key.namespace();
    }

    String name() {
      return recorded.name;
    }
  }
}
