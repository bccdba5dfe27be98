package dev.switchboard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileConfigSourceTest {

  @TempDir Path dir;

  Vertx vertx;
  final List<String> documents = new CopyOnWriteArrayList<>();
  final List<Map<String, String>> keySets = new CopyOnWriteArrayList<>();

  /** Deliveries made on an event loop thread (none may be: a large table takes long to decode). */
  final List<String> onEventLoop = new CopyOnWriteArrayList<>();

  final ConfigListener recorder =
      new ConfigListener() {
        @Override
        public void onRoutingDocument(byte[] json, String origin) {
          if (Context.isOnEventLoopThread()) {
            onEventLoop.add("routing " + Thread.currentThread().getName());
          }
          documents.add(new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public void onRoutingUnreadable(String origin, String problem) {
          documents.add("unreadable: " + problem);
        }

        @Override
        public void onProviderKeys(Map<String, String> keys, String origin) {
          if (Context.isOnEventLoopThread()) {
            onEventLoop.add("keys " + Thread.currentThread().getName());
          }
          keySets.add(keys);
        }
      };

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void readsAMountedSecretLayoutAndDeliversOnlyChanges() throws Exception {
    // What kubelet writes for a mounted Secret: a timestamped directory, a ..data symlink to it,
    // and one symlink per key through ..data.
    Path keys = Files.createDirectories(dir.resolve("keys"));
    Path version = Files.createDirectories(keys.resolve("..2026_11_25_16_00_00.000"));
    Files.writeString(version.resolve("openai"), "sk-one\n");
    Files.createSymbolicLink(keys.resolve("..data"), version.getFileName());
    Files.createSymbolicLink(keys.resolve("openai"), Path.of("..data/openai"));
    Path routing = dir.resolve("routing.json");
    Files.writeString(routing, "{\"v\":1}");

    FileConfigSource source = new FileConfigSource(vertx, routing, keys, 20);
    source.start(recorder).toCompletionStage().toCompletableFuture().get();

    assertThat(keySets).containsExactly(Map.of("openai", "sk-one"));
    assertThat(documents).containsExactly("{\"v\":1}");

    // Replaced in one rename: written in place, a check could read the truncated, empty file.
    replace(routing, "{\"v\":2}", null);
    await().atMost(Duration.ofSeconds(5)).until(() -> documents.size() == 2);
    assertThat(documents.get(1)).isEqualTo("{\"v\":2}");

    Files.writeString(version.resolve("openai"), "sk-two");
    // 15 s, not 5: checks run every 20 ms, but a CI run once took longer on a loaded machine.
    await().atMost(Duration.ofSeconds(15)).until(() -> keySets.size() == 2);
    assertThat(keySets.get(1)).containsExactly(Map.entry("openai", "sk-two"));
    // Unchanged files are not delivered again however often they are checked.
    assertThat(documents).hasSize(2);
    // Delivered on a worker, never on the event loop that checks the files.
    assertThat(onEventLoop).isEmpty();
    source.close();
  }

  @Test
  void aMissingRoutingFileIsNotAnError() throws Exception {
    FileConfigSource source = new FileConfigSource(vertx, dir.resolve("absent.json"), null, 20);
    source.start(recorder).toCompletionStage().toCompletableFuture().get();
    assertThat(documents).isEmpty();
    replace(dir.resolve("absent.json"), "{}", null);
    await().atMost(Duration.ofSeconds(5)).until(() -> documents.size() == 1);
    source.close();
  }

  @Test
  void aFileIsReadAgainOnlyWhenItsSizeOrTimeChangedOrChangedTooRecentlyToTell() throws Exception {
    long now = 1_800_000_000_000L;
    AtomicLong wallClock = new AtomicLong(now);
    Path routing = dir.resolve("routing.json");
    Files.writeString(routing, "{\"v\":1}");
    Files.setLastModifiedTime(routing, FileTime.fromMillis(now - 60_000));
    FileConfigSource source = new FileConfigSource(vertx, routing, null, 5, null, wallClock::get);
    source.start(recorder).toCompletionStage().toCompletableFuture().get();
    assertThat(documents).containsExactly("{\"v\":1}");

    // Settled (modified a minute before it was read): later checks only look at size and time.
    long[] first = source.routingChecksAndReads();
    awaitChecks(source, first[0] + 10);
    assertThat(source.routingChecksAndReads()[1]).isEqualTo(first[1]).isEqualTo(1);

    // The same size with a new time is read and delivered. Replaced in one rename, as a mounted
    // ConfigMap's files are: written in place, a check could read the truncated file, and written
    // and then re-timed, a check between the two would see the real time.
    replace(routing, "{\"v\":2}", now - 30_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> documents.size() == 2);
    assertThat(documents.get(1)).isEqualTo("{\"v\":2}");

    // Modified half a second before the read: a second write in the same tick could keep time and
    // size, so the file is read at every check (and delivered only if its bytes changed)...
    replace(routing, "{\"v\":3}", now - 500);
    await().atMost(Duration.ofSeconds(5)).until(() -> documents.size() == 3);
    long[] racy = source.routingChecksAndReads();
    awaitChecks(source, racy[0] + 10);
    long[] later = source.routingChecksAndReads();
    assertThat(later[1] - racy[1]).isGreaterThanOrEqualTo(later[0] - racy[0] - 1);
    assertThat(documents).hasSize(3);

    // ...until its time is far enough in the past; then one more read settles it.
    wallClock.set(now + FileConfigSource.SETTLED_MS);
    long[] settled = source.routingChecksAndReads();
    awaitChecks(source, settled[0] + 10);
    assertThat(source.routingChecksAndReads()[1] - settled[1]).isLessThanOrEqualTo(2);
    assertThat(documents).hasSize(3);
    source.close();
  }

  @Test
  void aKeyFileIsReadAgainOnlyWhenItChangedAndAKeyThatGoesAwayIsDropped() throws Exception {
    long now = 1_800_000_000_000L;
    AtomicLong wallClock = new AtomicLong(now);
    Path keys = Files.createDirectories(dir.resolve("keys"));
    Path openai = keys.resolve("openai");
    Files.writeString(openai, "sk-one\n");
    Files.setLastModifiedTime(openai, FileTime.fromMillis(now - 60_000));
    Path anthropic = keys.resolve("anthropic");
    Files.writeString(anthropic, "sk-ant");
    Files.setLastModifiedTime(anthropic, FileTime.fromMillis(now - 60_000));
    Path routing = dir.resolve("routing.json");
    Files.writeString(routing, "{}");
    FileConfigSource source = new FileConfigSource(vertx, routing, keys, 5, null, wallClock::get);
    source.start(recorder).toCompletionStage().toCompletableFuture().get();
    assertThat(keySets).containsExactly(Map.of("openai", "sk-one", "anthropic", "sk-ant"));
    assertThat(source.keyReads()).isEqualTo(2);

    // Settled files are only stat-ed: ten more checks read nothing.
    awaitChecks(source, source.routingChecksAndReads()[0] + 10);
    assertThat(source.keyReads()).isEqualTo(2);

    // A changed key is read (that file only) and delivered with the unchanged one. Replaced in one
    // step, as a Secret's files are: written and then re-timed in place, a check between the two
    // would read it twice (new bytes with the real time, then the test's time).
    replace(openai, "sk-rotated", now - 30_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> keySets.size() == 2);
    assertThat(keySets.get(1)).isEqualTo(Map.of("openai", "sk-rotated", "anthropic", "sk-ant"));
    assertThat(source.keyReads()).isEqualTo(3);

    // A key file that goes away is dropped from the next delivery.
    Files.delete(anthropic);
    await().atMost(Duration.ofSeconds(5)).until(() -> keySets.size() == 3);
    assertThat(keySets.get(2)).isEqualTo(Map.of("openai", "sk-rotated"));

    // Put back with its old bytes and time, it is read again, not served from what was forgotten.
    replace(anthropic, "sk-ant", now - 60_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> keySets.size() == 4);
    assertThat(keySets.get(3)).isEqualTo(Map.of("openai", "sk-rotated", "anthropic", "sk-ant"));
    assertThat(source.keyReads()).isEqualTo(4);
    source.close();
  }

  /**
   * Puts {@code text} with modification time {@code modifiedMs} (the time of writing when null) at
   * {@code file} in one rename (the gateway skips dot files of the directory, as it skips a mounted
   * Secret's bookkeeping).
   */
  private static void replace(Path file, String text, Long modifiedMs) throws Exception {
    Path staged = file.resolveSibling("." + file.getFileName() + ".staged");
    Files.writeString(staged, text);
    if (modifiedMs != null) {
      Files.setLastModifiedTime(staged, FileTime.fromMillis(modifiedMs));
    }
    Files.move(
        staged,
        file,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static void awaitChecks(FileConfigSource source, long checks) {
    await().atMost(Duration.ofSeconds(5)).until(() -> source.routingChecksAndReads()[0] >= checks);
  }
}
