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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone configuration: a routing file and a keys directory (one file per provider, named after
 * the provider, holding its key — the layout of a mounted Secret). Both are re-read with Vert.x's
 * asynchronous file system on a timer and delivered when their content changed, so the event loop
 * never blocks and editors that replace files (rename, symlink swap) are handled.
 */
public final class FileConfigSource implements ConfigSource {

  private static final Logger LOG = LoggerFactory.getLogger(FileConfigSource.class);

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
    return vertx
        .fileSystem()
        .readFile(routingFile.toString())
        .map(
            buffer -> {
              byte[] bytes = buffer.getBytes();
              if (!Arrays.equals(bytes, lastRouting)) {
                lastRouting = bytes;
                listener.onRoutingDocument(bytes, routingFile.toString());
              }
              return (Void) null;
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
    return vertx
        .fileSystem()
        .readFile(consumersFile.toString())
        .map(
            buffer -> {
              byte[] bytes = buffer.getBytes();
              consumersMissing = false;
              if (!Arrays.equals(bytes, lastConsumers)) {
                lastConsumers = bytes;
                listener.onConsumerTable(bytes, consumersFile.toString());
              }
              return (Void) null;
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
              for (String entry : entries) {
                String name = Path.of(entry).getFileName().toString();
                // Mounted Secrets carry "..data" and "..2024_..." bookkeeping entries.
                if (name.startsWith(".")) {
                  continue;
                }
                reads.add(
                    fs.readFile(entry)
                        .map(b -> Map.entry(name, keyText(b)))
                        .otherwise((Map.Entry<String, String>) null));
              }
              return Future.join(reads).map(cf -> collect(reads));
            })
        .map(
            keys -> {
              if (!keys.equals(lastKeys)) {
                lastKeys = keys;
                listener.onProviderKeys(keys, keysDir.toString());
              }
              return (Void) null;
            })
        .recover(
            err -> {
              LOG.debug("keys directory {} cannot be read: {}", keysDir, err.getMessage());
              return Future.succeededFuture();
            });
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
