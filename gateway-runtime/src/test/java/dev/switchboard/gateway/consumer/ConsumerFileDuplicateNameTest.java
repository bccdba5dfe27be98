package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.gateway.request.KeyDigest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hand-written consumers file (file mode: no operator validates it) that lists one consumer name
 * twice is refused like any invalid table: two entries of one name would share its spend, budget,
 * limits and response-cache partition. The last good table stays in force, and the log line names
 * the consumer, never a key or its hash.
 */
class ConsumerFileDuplicateNameTest {

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void attach() {
    log.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(ConsumerAccess.class)).addAppender(log);
  }

  @AfterEach
  void detach() {
    ((Logger) org.slf4j.LoggerFactory.getLogger(ConsumerAccess.class)).detachAppender(log);
  }

  private static ConsumerTable.Consumer consumer(String name, String key, double usdPerDay) {
    return new ConsumerTable.Consumer(
        name,
        List.of(KeyDigest.of(key)),
        null,
        List.of(),
        new ConsumerTable.Budget(usdPerDay, null),
        null,
        Map.of());
  }

  private static byte[] table(ConsumerTable.Consumer... consumers) {
    return new ConsumerTable(ConsumerTable.SCHEMA_VERSION, List.of(consumers)).toJson();
  }

  @Test
  void aConsumerListedTwiceIsRefusedAndTheLastGoodTableStays() {
    ConsumerAccess access = new ConsumerAccess(false);
    assertThat(access.onConsumerTable(table(consumer("team-a", "sk-team-a", 5)), "consumers.json"))
        .isTrue();

    boolean applied =
        access.onConsumerTable(
            table(
                consumer("team-a", "sk-team-a", 5),
                consumer("team-b", "sk-team-b", 5),
                consumer("team-a", "sk-team-a-second", 500)),
            "consumers.json");

    assertThat(applied).isFalse();
    ConsumerDirectory directory = access.directory();
    assertThat(directory.size()).isEqualTo(1);
    assertThat(directory.lookup(KeyDigest.bytes("sk-team-a")).name()).isEqualTo("team-a");
    assertThat(directory.lookup(KeyDigest.bytes("sk-team-a-second"))).isNull();
    assertThat(directory.lookup(KeyDigest.bytes("sk-team-b"))).isNull();

    ILoggingEvent refused = log.list.get(log.list.size() - 1);
    assertThat(refused.getLevel()).isEqualTo(Level.ERROR);
    assertThat(refused.getFormattedMessage())
        .contains("consumers.json", "consumer team-a is listed twice", "keeping the current")
        .doesNotContain(
            "sk-team",
            KeyDigest.of("sk-team-a"),
            KeyDigest.of("sk-team-a-second"),
            KeyDigest.of("sk-team-b"));
  }

  @Test
  void aFirstTableWithADuplicateLeavesAccessAsItWas() {
    ConsumerAccess access = new ConsumerAccess(false);
    assertThat(
            access.onConsumerTable(
                table(consumer("solo", "sk-one", 1), consumer("solo", "sk-two", 1)), "f"))
        .isFalse();
    assertThat(access.directory().required()).isFalse();
    assertThat(access.directory().size()).isZero();
  }
}
