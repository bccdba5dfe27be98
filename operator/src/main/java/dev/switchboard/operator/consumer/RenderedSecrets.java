package dev.switchboard.operator.consumer;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;

/**
 * The Secret versions the latest consumer table render of each namespace read, to tell the Secret
 * events that cannot change its table. A render reads the Secret informer's cache, which holds an
 * object before its event is delivered: an event of a version the render read, or of a Secret it is
 * still to read, brings nothing new. At operator start the informer delivers an ADD event for every
 * Secret while or after the first renders read them; each used to reconcile its Consumers a second
 * time.
 */
final class RenderedSecrets {

  /** Read, and not there. */
  private static final String ABSENT = "";

  /** Deleted since it was read. */
  private static final String DELETED = "-";

  private final ConcurrentMap<String, Render> latest = new ConcurrentHashMap<>();

  /** One render's reads, by Secret name; done once it read everything it reads. */
  static final class Render {
    private final ConcurrentMap<String, String> versions = new ConcurrentHashMap<>();
    private volatile boolean done;

    /** Marks the render as having read all it reads (also when it failed). */
    void done() {
      done = true;
    }
  }

  /**
   * Starts recording a render of the namespace, before it reads its Consumers: from now on its
   * reads are the ones events are compared with.
   */
  Render start(String namespace) {
    Render render = new Render();
    latest.put(namespace, render);
    return render;
  }

  /** {@code secrets}, recording what {@code render} reads through it. */
  static BiFunction<String, String, Optional<Secret>> recording(
      Render render, BiFunction<String, String, Optional<Secret>> secrets) {
    return (namespace, name) -> {
      Optional<Secret> secret = secrets.apply(namespace, name);
      render.versions.put(
          name,
          secret
              .map(s -> s.getMetadata().getResourceVersion())
              .filter(v -> !v.isEmpty())
              .orElse(ABSENT));
      return secret;
    };
  }

  /**
   * Whether an event of this Secret (added or updated, at its version) cannot change the
   * namespace's table: its latest render read this version, or is still to read the Secret. False
   * when nothing is known, or the render read another version or found none.
   */
  boolean nothingNew(Secret secret) {
    Render render = latest.get(secret.getMetadata().getNamespace());
    String version = secret.getMetadata().getResourceVersion();
    if (render == null || version == null) {
      return false;
    }
    String read = render.versions.get(secret.getMetadata().getName());
    // Not read by a render under way: it reads the cache, which holds this version or a later one.
    // (A render that read its Consumers before one of them referenced the Secret does not read it,
    // and that Consumer's own event reconciles it.)
    return read == null ? !render.done : read.equals(version);
  }

  /** A Secret deleted: its delete event must reconcile its Consumers (they lose the key). */
  void deleted(Secret secret) {
    Render render = latest.get(secret.getMetadata().getNamespace());
    if (render != null) {
      render.versions.put(secret.getMetadata().getName(), DELETED);
    }
  }
}
