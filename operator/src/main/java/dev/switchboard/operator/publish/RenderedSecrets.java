package dev.switchboard.operator.publish;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * The Secret versions the renders of each namespace read, to tell the Secret events that cannot
 * change what was rendered. A render reads the Secret informer's cache, which holds an object
 * before its event is delivered: an event of a version that was read, or of a Secret a render under
 * way is still to read, brings nothing new. At operator start the informer delivers an ADD event
 * for every Secret while or after the first renders read them; each used to reconcile what uses it
 * a second time.
 *
 * <p>Two rules, by what a render's outcome covers:
 *
 * <ul>
 *   <li>{@link #latestRender()} (the consumer table): every render covers the whole namespace, the
 *       statuses of Consumers it was not run for included, so only the latest render's reads count.
 *   <li>{@link #everyRead()} (ModelRoutes): a route's status also comes from its own reconcile's
 *       reads (its rollout plan, its evaluation candidates), and another route's render refreshes
 *       only its {@code Ready}; so every read since the operator started counts, and an event is
 *       nothing new while every read of the Secret found that version, or none read it yet. (Every
 *       resolve reads the Secrets of all the namespace's providers: none read means nothing
 *       resolved so far used the Secret, and every resolve to come reads the cache, which holds the
 *       event's version or a later one; a route whose provider takes the Secret up later is
 *       reconciled for the provider's event.) A Secret read at two versions (a rotated key)
 *       reconciles what uses it at each of its later events.
 * </ul>
 *
 * A deleted Secret always reconciles what uses it.
 */
public final class RenderedSecrets {

  /** Read, and not there. */
  private static final String ABSENT = "";

  /** Deleted since it was read, or read at more than one version: no version matches. */
  private static final String CHANGED = "-";

  private final boolean keepEarlierReads;
  private final ConcurrentMap<String, Reads> reads = new ConcurrentHashMap<>();

  private RenderedSecrets(boolean keepEarlierReads) {
    this.keepEarlierReads = keepEarlierReads;
  }

  /** Only the latest render of a namespace counts (it covers every object of the namespace). */
  public static RenderedSecrets latestRender() {
    return new RenderedSecrets(false);
  }

  /** Every read of a namespace counts (a render covers only some of its objects). */
  public static RenderedSecrets everyRead() {
    return new RenderedSecrets(true);
  }

  /** What was read of a namespace's Secrets, by name, and how many renders are reading. */
  private static final class Reads {
    private final ConcurrentMap<String, String> versions = new ConcurrentHashMap<>();
    private final AtomicInteger reading = new AtomicInteger();
  }

  /** One render's reads; done once it read everything it reads. */
  public static final class Render {
    private final Reads reads;
    private boolean done;

    private Render(Reads reads) {
      this.reads = reads;
      reads.reading.incrementAndGet();
    }

    /** Marks the render as having read all it reads (also when it failed). */
    public synchronized void done() {
      if (!done) {
        done = true;
        reads.reading.decrementAndGet();
      }
    }
  }

  /**
   * Starts recording a render of the namespace, before it reads: from now on its reads are among
   * the ones events are compared with.
   */
  public Render start(String namespace) {
    Reads into =
        keepEarlierReads
            ? reads.computeIfAbsent(namespace, ns -> new Reads())
            : reads.compute(namespace, (ns, earlier) -> new Reads());
    return new Render(into);
  }

  /** {@code secrets}, recording what {@code render} reads through it. */
  public static BiFunction<String, String, Optional<Secret>> recording(
      Render render, BiFunction<String, String, Optional<Secret>> secrets) {
    return (namespace, name) -> {
      Optional<Secret> secret = secrets.apply(namespace, name);
      String version =
          secret
              .map(s -> s.getMetadata().getResourceVersion())
              .filter(v -> !v.isEmpty())
              .orElse(ABSENT);
      // Two versions read (the cache changed between two reads): none of them is the one.
      render.reads.versions.merge(name, version, (was, now) -> was.equals(now) ? was : CHANGED);
      return secret;
    };
  }

  /**
   * Whether an event of this Secret (added or updated, at its version) cannot change what was
   * rendered: every read that counts found this version, or none read the Secret yet and a render
   * under way is still to read it (from the cache, which holds this version or a later one), or
   * (every-read rule) none ever read it. False when another version or none was found.
   */
  public boolean nothingNew(Secret secret) {
    Reads namespace = reads.get(secret.getMetadata().getNamespace());
    String version = secret.getMetadata().getResourceVersion();
    if (version == null) {
      return false;
    }
    if (keepEarlierReads
        && (namespace == null || !namespace.versions.containsKey(secret.getMetadata().getName()))) {
      // Never read: nothing resolved so far used it, and every resolve to come reads it.
      return true;
    }
    if (namespace == null) {
      return false;
    }
    String read = namespace.versions.get(secret.getMetadata().getName());
    // Not read by a render under way: it reads the cache, which holds this version or a later one.
    // (A render that read its objects before one of them referenced the Secret does not read it,
    // and that object's own event reconciles it.)
    return read == null ? namespace.reading.get() > 0 : read.equals(version);
  }

  /** A Secret deleted: its delete event must reconcile what uses it (it loses the key). */
  public void deleted(Secret secret) {
    Reads namespace = reads.get(secret.getMetadata().getNamespace());
    if (namespace != null) {
      namespace.versions.put(secret.getMetadata().getName(), CHANGED);
    }
  }
}
