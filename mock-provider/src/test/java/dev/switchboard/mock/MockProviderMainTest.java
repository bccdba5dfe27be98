package dev.switchboard.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.mock.MockProviderMain.CommandLine;
import dev.switchboard.mock.MockProviderMain.Rule;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MockProviderMainTest {

  @Test
  void parsesEveryOption() {
    CommandLine cli =
        MockProviderMain.parse(
            new String[] {
              "--port", "18081",
              "--host", "0.0.0.0",
              "--key", "sk-local-primary",
              "--keys", "sk-a, sk-b",
              "--models", "gpt-4o-mini,text-embedding-3-small",
              "--alias", "gpt-4o=gpt-4o-2024-08-06",
              "--embedding-dimensions", "16",
              "--fault", "gpt-4o-mini=status:429;retry-after=2;times=2",
              "--fault", "*=delay:10-50",
              "--chunk-interval-ms", "5",
              "--seed", "9",
              "--fast"
            });

    MockProviderOptions o = cli.options();
    assertThat(o.port()).isEqualTo(18081);
    assertThat(o.host()).isEqualTo("0.0.0.0");
    assertThat(o.keys()).containsExactly("sk-local-primary", "sk-a", "sk-b");
    assertThat(o.models()).containsExactly("gpt-4o-mini", "text-embedding-3-small");
    assertThat(o.modelAliases()).isEqualTo(Map.of("gpt-4o", "gpt-4o-2024-08-06"));
    assertThat(o.embeddingDimensions()).isEqualTo(16);
    assertThat(o.defaultChunkIntervalMs()).isEqualTo(5);
    assertThat(o.randomSeed()).isEqualTo(9);
    assertThat(o.fastPath()).isTrue();
    assertThat(cli.rules())
        .containsExactly(
            new Rule("gpt-4o-mini", "status:429;retry-after=2", 2),
            new Rule("*", "delay:10-50", -1));
    assertThat(cli.help()).isFalse();
  }

  @Test
  void defaultsToPort18081AndNoAuth() {
    CommandLine cli = MockProviderMain.parse(new String[0]);

    assertThat(cli.options().port()).isEqualTo(18081);
    assertThat(cli.options().keys()).isEmpty();
  }

  @Test
  void rejectsBadInput() {
    assertThatThrownBy(() -> MockProviderMain.parse(new String[] {"--port"}))
        .hasMessageContaining("missing value");
    assertThatThrownBy(() -> MockProviderMain.parse(new String[] {"--port", "x"}))
        .hasMessageContaining("expects a number");
    assertThatThrownBy(() -> MockProviderMain.parse(new String[] {"--bogus", "1"}))
        .hasMessageContaining("unknown option");
    assertThatThrownBy(() -> MockProviderMain.parse(new String[] {"--fault", "m=explode"}))
        .hasMessageContaining("unknown fault directive");
    assertThatThrownBy(() -> MockProviderMain.parse(new String[] {"--alias", "novalue"}))
        .hasMessageContaining("A=B");
  }
}
