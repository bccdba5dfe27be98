package dev.switchboard.operator.publish;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The writes a publisher made to the objects it publishes, per namespace, so that the informer
 * events of its own writes are told from changes made by others (which must be rendered and written
 * back). An informer reports a write late when the publisher wrote again before it caught up (a
 * burst of reconciles), or before the write returned its resourceVersion; comparing an event's
 * version with the last one written alone counts both as changes by others, and each costs another
 * render of the namespace. Used by the routing table's and the consumer table's publishers.
 *
 * <p>Its deletions too (the routing table's shards a smaller table no longer uses): the informer
 * reports each as a delete event, which must not count as a deletion by others.
 *
 * <p>Forgetting a namespace (a change by others was seen) drops all of it: an earlier version of
 * its own seen after someone else's edit (an informer relisting), or the delete event of its own
 * deletion seen after it, counts as a change again (one more render, never one too few).
 */
public final class OwnWrites {

  /** How many earlier versions of one object are recognised when their events come late. */
  static final int EARLIER_VERSIONS = 16;

  /** Per namespace, per object (kind and name), the versions written, oldest first. */
  private final ConcurrentMap<String, Map<String, List<String>>> written =
      new ConcurrentHashMap<>();

  /** Per namespace and object, the write under way: whether an observed object is it. */
  private final ConcurrentMap<String, Predicate<HasMetadata>> writing = new ConcurrentHashMap<>();

  /** Per namespace, the objects (kind and name) it deleted and did not write again since. */
  private final ConcurrentMap<String, Set<String>> deleted = new ConcurrentHashMap<>();

  /**
   * Runs {@code write} of {@code desired}, remembering the version it returns; while it runs, an
   * observed object {@code isThisWrite} accepts counts as its own (the informer may deliver the
   * write's event before the write returns its version).
   */
  public <T extends HasMetadata> T write(
      HasMetadata desired, Predicate<HasMetadata> isThisWrite, Supplier<T> write) {
    String key = namespace(desired) + "/" + object(desired);
    Set<String> gone = deleted.get(namespace(desired));
    if (gone != null) {
      // Written again: a later delete event of it is someone else's.
      gone.remove(object(desired));
    }
    writing.put(key, isThisWrite);
    try {
      T result = write.get();
      remember(result);
      return result;
    } finally {
      writing.remove(key);
    }
  }

  /** Remembers a version of an object as its own (written, or found as it would be written). */
  public void remember(HasMetadata object) {
    String version = object.getMetadata().getResourceVersion();
    if (version == null) {
      return;
    }
    written.compute(
        namespace(object),
        (ns, objects) -> {
          Map<String, List<String>> next =
              objects == null ? new HashMap<>() : new HashMap<>(objects);
          List<String> versions = new ArrayList<>(next.getOrDefault(object(object), List.of()));
          if (!versions.isEmpty() && version.equals(versions.get(versions.size() - 1))) {
            return objects;
          }
          versions.add(version);
          // The last write and the earlier ones whose events may still come.
          int from = Math.max(0, versions.size() - 1 - EARLIER_VERSIONS);
          next.put(object(object), List.copyOf(versions.subList(from, versions.size())));
          return Map.copyOf(next);
        });
  }

  /**
   * Whether an observed object is one of the writes remembered since the namespace was last
   * forgotten, or the write under way.
   */
  public boolean isOwn(HasMetadata observed) {
    String namespace = namespace(observed);
    String object = object(observed);
    Map<String, List<String>> objects = written.get(namespace);
    String version = observed.getMetadata().getResourceVersion();
    if (objects != null && objects.getOrDefault(object, List.of()).contains(version)) {
      return true;
    }
    Predicate<HasMetadata> inFlight = writing.get(namespace + "/" + object);
    return inFlight != null && inFlight.test(observed);
  }

  /**
   * Runs {@code delete} of {@code existing} (the object as this publisher last wrote or read it),
   * remembering the deletion as its own: the informer's delete event of it carries that version or
   * an earlier one of its own.
   */
  public void delete(HasMetadata existing, Runnable delete) {
    // Its version counts as its own even when it was read, not written (after a restart): the
    // secondary index of an informer maps the delete event through changedByOthers too.
    remember(existing);
    deleted
        .computeIfAbsent(namespace(existing), ns -> ConcurrentHashMap.newKeySet())
        .add(object(existing));
    delete.run();
  }

  /**
   * Whether an object an informer reports deleted was deleted by this publisher: it deleted the
   * object since the namespace was last forgotten and did not write it again, and the event carries
   * a version of its own (someone else's object of the same name, created meanwhile, has another).
   */
  public boolean isOwnDeletion(HasMetadata observed) {
    Set<String> gone = deleted.get(namespace(observed));
    return gone != null && gone.contains(object(observed)) && isOwn(observed);
  }

  /** Forgets every write and deletion remembered in the namespace. */
  public void forget(String namespace) {
    written.remove(namespace);
    deleted.remove(namespace);
  }

  private static String namespace(HasMetadata object) {
    return Objects.requireNonNullElse(object.getMetadata().getNamespace(), "");
  }

  private static String object(HasMetadata object) {
    return object.getClass().getSimpleName() + "/" + object.getMetadata().getName();
  }
}
