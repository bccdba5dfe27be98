package dev.switchboard.gateway.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.gateway.LogCapture;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetClockTest {

  private final Vertx vertx = Vertx.vertx();
  private final ManualClock inner = new ManualClock();

  @TempDir Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void wallTimeMovesByTheOffsetInTheFileWhileMonotonicTimeDoesNot() throws Exception {
    Path file = dir.resolve("offset");
    Files.writeString(file, "PT2H");
    OffsetClock clock = OffsetClock.watching(vertx, inner, file);

    assertThat(clock.currentTimeMillis() - inner.currentTimeMillis())
        .isEqualTo(Duration.ofHours(2).toMillis());
    assertThat(clock.nanoTime()).isEqualTo(inner.nanoTime());

    // Rewritten while running: picked up on the next re-read, without a restart.
    Files.writeString(file, "-1500");
    inner.advance(OffsetClock.REREAD_MS);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(clock.offset()).isEqualTo(Duration.ofMillis(-1500)));
    assertThat(clock.currentTimeMillis()).isEqualTo(inner.currentTimeMillis() - 1500);
  }

  @Test
  void aMissingFileIsNoOffsetAndABadOneKeepsTheLastGoodOffset() throws Exception {
    Path file = dir.resolve("offset");
    OffsetClock clock = OffsetClock.watching(vertx, inner, file);
    assertThat(clock.offset()).isEqualTo(Duration.ZERO);

    Files.writeString(file, "PT1M");
    inner.advance(OffsetClock.REREAD_MS);
    await().atMost(Duration.ofSeconds(5)).until(() -> clock.offset().equals(Duration.ofMinutes(1)));
    try (LogCapture logs = LogCapture.of(OffsetClock.class)) {
      Files.writeString(file, "two hours");
      inner.advance(OffsetClock.REREAD_MS);
      // Wait for the re-read to have happened (it says it ignored the file), then look.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> logs.messages().stream().anyMatch(m -> m.contains("'two hours'")));
    }
    assertThat(clock.offset()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void parsesDurationsAndMillisAndSaysWhatItExpects() {
    assertThat(OffsetClock.parse("-PT30M")).isEqualTo(Duration.ofMinutes(-30));
    assertThat(OffsetClock.parse("7200000")).isEqualTo(Duration.ofHours(2));
    assertThat(OffsetClock.parse("")).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> OffsetClock.parse("soon"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ISO-8601 duration");
  }
}
