package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchSettingsTest {

  @Test
  void flagsOverrideTheDefaultsAndQuickShortensTheRun() {
    BenchSettings s =
        BenchSettings.parse(
            new String[] {
              "--quick", "--only", "overhead,profile", "--rounds=7", "--update-markdown", "B.md"
            });

    assertThat(s.scenarios()).containsExactlyInAnyOrder("overhead", "profile");
    assertThat(s.rounds()).isEqualTo(7);
    assertThat(s.roundSeconds()).isLessThan(BenchSettings.defaults().roundSeconds());
    assertThat(s.markdown()).isEqualTo(Path.of("B.md"));
    assertThat(s.gatewayJvmOptions()).isEqualTo(BenchSettings.CHART_POD_JVM);
  }

  @Test
  void unknownFlagsAndScenariosAreRejected() {
    assertThatThrownBy(() -> BenchSettings.parse(new String[] {"--roundz", "3"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--roundz");
    assertThatThrownBy(() -> BenchSettings.parse(new String[] {"--only", "warp"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("warp");
    assertThatThrownBy(() -> BenchSettings.parse(new String[] {"--rounds", "many"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a number");
  }
}
