package dev.switchboard.gateway.config;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone configuration: a routing file and a keys directory (one file per provider, named after
 * the provider, holding its key — the layout of a mounted Secret). Both are re-read with Vert.x's
 * asynchronous file system on a timer and delivered, on a worker thread, when their content
 * changed, so the event loop never blocks and editors that replace files (rename, symlink swap) are
 * handled.
 *
 * <p>The routing and consumers files, and each file of the keys directory, are only read again when
 * their size or modification time changed since the last read (one {@code stat} per file and check
 * instead of reading, at 10,000 routes, megabytes twice a second), or when the last read came so
 * soon after a modification that a second write in the same clock tick could hide behind an
 * unchanged time and size (the rule Git uses for its index): such a file is read at every check
 * until its time is {@link #SETTLED_MS} in the past. The keys directory itself is listed at every
 * check, so keys that appear or disappear are seen at once.
 */
public final class FileConfigSource implements ConfigSource {

  private static final Logger LOG = LoggerFactory.getLogger(FileConfigSource.class);

  /**
   * How long after its modification time a file's size and time are trusted to tell a change: file
   * systems keep times in ticks (1 s on some), and a write in the tick of the last read keeps both.
   */
  static final long SETTLED_MS = 2_000;

  private final Vertx vertx;
  private final Path routingFile;
  private final Path keysDir;
  private final long checkIntervalMs;
  private final Path consumersFile;
  private byte[] lastConsumers;
  private boolean consumersMissing;

  private volatile boolean closed;
  private long timerId = -1;
  private byte[] lastRouting;
  private Map<String, String> lastKeys;
  private ConfigListener listener;
  private final LongSupplier wallClockMs;
  private final Stamps routingStamps = new Stamps();
  private final Stamps consumersStamps = new Stamps();

  /**
   * The keys directory's files as last read, by provider name; touched only by the checks, which
   * run one after another.
   */
  private final Map<String, KeyFile> keyFiles = new HashMap<>();

  /** Key files read (not merely checked) since start (tests). */
  private final AtomicLong keyReads = new AtomicLong();

  /**
   * @param keysDir may be null when no provider needs a key
   * @param checkIntervalMs how often the files are compared with what was last delivered
   */
  public FileConfigSource(Vertx vertx, Path routingFile, Path keysDir, long checkIntervalMs) {
    this(vertx, routingFile, keysDir, checkIntervalMs, null);
  }

  /**
   * @param consumersFile the consumer table (hashes of consumer keys); null: none
   */
  public FileConfigSource(
      Vertx vertx, Path routingFile, Path keysDir, long checkIntervalMs, Path consumersFile) {
    this(vertx, routingFile, keysDir, checkIntervalMs, consumersFile, System::currentTimeMillis);
  }

  /**
   * @param wallClockMs the wall clock that file modification times are compared with (tests)
   */
  FileConfigSource(
      Vertx vertx,
      Path routingFile,
      Path keysDir,
      long checkIntervalMs,
      Path consumersFile,
      LongSupplier wallClockMs) {
    this.wallClockMs = wallClockMs;
    this.consumersFile = consumersFile;
    this.vertx = vertx;
    this.routingFile = routingFile;
    this.keysDir = keysDir;
    this.checkIntervalMs = checkIntervalMs;
  }

  @Override
  public Future<Void> start(ConfigListener listener) {
    this.listener = listener;
    // Keys first, so that the first table is served with its keys already present.
    return checkKeys()
        .compose(v -> checkConsumers())
        .compose(v -> checkRouting())
        .onComplete(ar -> scheduleNext());
  }

  private void scheduleNext() {
    if (!closed) {
      // A one-shot timer re-armed after each check: checks never overlap however slow the disk.
      timerId =
          vertx.setTimer(
              checkIntervalMs,
              id ->
                  checkKeys()
                      .compose(v -> checkConsumers())
                      .compose(v -> checkRouting())
                      .onComplete(ar -> scheduleNext()));
    }
  }

  private Future<Void> checkRouting() {
    return routingStamps
        .readIfChanged(routingFile)
        .compose(
            buffer -> {
              if (buffer == null) {
                return Future.<Void>succeededFuture(); // unchanged since the last read
              }
              byte[] bytes = buffer.getBytes();
              if (Arrays.equals(bytes, lastRouting)) {
                return Future.<Void>succeededFuture();
              }
              lastRouting = bytes;
              return offLoop(() -> listener.onRoutingDocument(bytes, routingFile.toString()));
            })
        .recover(
            err -> {
              if (lastRouting != null) {
                // A missing file after a good one is a deployment mistake; keep serving.
                LOG.warn("routing file {} cannot be read: {}", routingFile, err.getMessage());
                lastRouting = null;
              }
              return Future.succeededFuture();
            });
  }

  private Future<Void> checkConsumers() {
    if (consumersFile == null) {
      return Future.succeededFuture();
    }
    return consumersStamps
        .readIfChanged(consumersFile)
        .compose(
            buffer -> {
              consumersMissing = false;
              if (buffer == null) {
                return Future.<Void>succeededFuture(); // unchanged since the last read
              }
              byte[] bytes = buffer.getBytes();
              if (Arrays.equals(bytes, lastConsumers)) {
                return Future.<Void>succeededFuture();
              }
              lastConsumers = bytes;
              return offLoop(() -> listener.onConsumerTable(bytes, consumersFile.toString()));
            })
        .recover(
            err -> {
              // Missing: keep the consumers in force (opening access on a lost file is worse).
              if (!consumersMissing) {
                consumersMissing = true;
                LOG.warn("consumers file {} cannot be read: {}", consumersFile, err.getMessage());
              }
              return Future.succeededFuture();
            });
  }

  private Future<Void> checkKeys() {
    if (keysDir == null) {
      return Future.succeededFuture();
    }
    FileSystem fs = vertx.fileSystem();
    return fs.readDir(keysDir.toString())
        .compose(
            entries -> {
              List<Future<Map.Entry<String, String>>> reads = new ArrayList<>();
              Set<String> listed = new HashSet<>();
              for (String entry : entries) {
                String name = Path.of(entry).getFileName().toString();
                // Mounted Secrets carry "..data" and "..2024_..." bookkeeping entries.
                if (name.startsWith(".")) {
                  continue;
                }
                listed.add(name);
                reads.add(keyFiles.computeIfAbsent(name, n -> new KeyFile()).read(name, entry));
              }
              keyFiles.keySet().retainAll(listed); // a key file that went away is forgotten
              return Future.join(reads).map(cf -> collect(reads));
            })
        .compose(
            keys -> {
              if (keys.equals(lastKeys)) {
                return Future.<Void>succeededFuture();
              }
              lastKeys = keys;
              return offLoop(() -> listener.onProviderKeys(keys, keysDir.toString()));
            })
        .recover(
            err -> {
              LOG.debug("keys directory {} cannot be read: {}", keysDir, err.getMessage());
              return Future.succeededFuture();
            });
  }

  /**
   * Hands a document to the listener on a worker thread, in order: the checks' file reads run on an
   * event loop that may also serve requests, while decoding and validating a routing table of
   * 10,000 routes takes a few hundred milliseconds, and the routing state's lock is held that long
   * (a key delivery waits on it too). The next check starts when the listener returned.
   */
  private Future<Void> offLoop(Runnable delivery) {
    return vertx.executeBlocking(
        () -> {
          delivery.run();
          return null;
        },
        true);
  }

  /** One file of the keys directory: its stamps and the key it held when last read. */
  private final class KeyFile {
    private final Stamps stamps = new Stamps();
    private String key;

    /** The provider's key, read again only when the file changed; null when it cannot be read. */
    Future<Map.Entry<String, String>> read(String name, String path) {
      return stamps
          .readIfChanged(Path.of(path))
          .map(
              buffer -> {
                if (buffer != null) {
                  keyReads.incrementAndGet();
                  key = keyText(buffer);
                }
                return key == null ? null : Map.entry(name, key);
              })
          .otherwise(
              err -> {
                key = null; // unreadable now: left out, and read again at the next check
                return null;
              });
    }
  }

  /** The size and modification time of one file when it was last read, and when that was. */
  private final class Stamps {
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private long size = -1;
    private long modifiedMs;
    private long readAtMs;

    /** The file's content, or null when its size and time say it did not change. */
    Future<Buffer> readIfChanged(Path file) {
      checks.incrementAndGet();
      FileSystem fs = vertx.fileSystem();
      return fs.props(file.toString())
          .compose(
              props -> {
                if (props.size() == size
                    && props.lastModifiedTime() == modifiedMs
                    && readAtMs - modifiedMs >= SETTLED_MS) {
                  return Future.succeededFuture((Buffer) null);
                }
                long startedAtMs = wallClockMs.getAsLong();
                return fs.readFile(file.toString())
                    .onSuccess(
                        read -> {
                          reads.incrementAndGet();
                          // The stat before the read: a write in between is read now and its newer
                          // time makes the next check read again.
                          size = props.size();
                          modifiedMs = props.lastModifiedTime();
                          readAtMs = startedAtMs;
                        });
              })
          .onFailure(err -> size = -1);
    }
  }

  private static String keyText(Buffer buffer) {
    return buffer.toString(StandardCharsets.UTF_8).strip();
  }

  private static Map<String, String> collect(List<Future<Map.Entry<String, String>>> reads) {
    Map<String, String> keys = new TreeMap<>();
    for (Future<Map.Entry<String, String>> read : reads) {
      Map.Entry<String, String> e = read.result();
      if (e != null) {
        keys.put(e.getKey(), e.getValue());
      }
    }
    return keys;
  }

  /** How many key files were read since start (tests). */
  long keyReads() {
    return keyReads.get();
  }

  /** How often the routing file was checked, and how often of those it was read (tests). */
  long[] routingChecksAndReads() {
    return new long[] {routingStamps.checks.get(), routingStamps.reads.get()};
  }

  @Override
  public Future<Void> close() {
    closed = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    Promise<Void> done = Promise.promise();
    done.complete();
    return done.future();
  }
}
