package dev.switchboard.gateway.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.gateway.request.KeyDigest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A key two consumers of one table hold (a hand-written {@code --consumers-file}; the operator
 * never publishes one) belongs to neither: the gateway refuses it, as the operator would, instead
 * of serving it as whichever consumer the table lists last. Their other keys keep working.
 */
class ConsumerDirectorySharedKeyTest {

  private static ConsumerTable.Consumer consumer(String name, String... keys) {
    return new ConsumerTable.Consumer(
        name,
        java.util.Arrays.stream(keys).map(KeyDigest::of).toList(),
        null,
        List.of(),
        null,
        null,
        Map.of());
  }

  @Test
  void aKeyOfTwoConsumersIsRefusedAndTheirOtherKeysWork() {
    ConsumerDirectory directory =
        ConsumerDirectory.of(
            new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION,
                List.of(
                    consumer("cheap", "sk-cheap", "sk-shared"),
                    consumer("premium", "sk-premium", "sk-shared"))),
            false);

    assertThat(directory.lookup(KeyDigest.bytes("sk-shared"))).isNull();
    assertThat(directory.lookup(KeyDigest.bytes("sk-cheap")).name()).isEqualTo("cheap");
    assertThat(directory.lookup(KeyDigest.bytes("sk-premium")).name()).isEqualTo("premium");
    // Both stay consumers of the table: keys stay required.
    assertThat(directory.required()).isTrue();
    assertThat(directory.size()).isEqualTo(2);
  }

  @Test
  void aKeyListedTwiceForOneConsumerIsStillItsKey() {
    ConsumerDirectory directory =
        ConsumerDirectory.of(
            new ConsumerTable(
                ConsumerTable.SCHEMA_VERSION, List.of(consumer("solo", "sk-solo", "sk-solo"))),
            false);

    assertThat(directory.lookup(KeyDigest.bytes("sk-solo")).name()).isEqualTo("solo");
  }
}
