package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

  @Test
  void defaultsWatchEverythingWithLeaderElectionAndServerSideApply() {
    OperatorSettings settings = OperatorSettings.fromEnvironmentAndArgs(Map.of(), new String[0]);

    assertThat(settings.watchNamespaces()).isEmpty();
    assertThat(settings.leaderElection()).isTrue();
    assertThat(settings.leaseName()).isEqualTo("switchboard-operator");
    assertThat(settings.serverSideApply()).isTrue();
    assertThat(settings.allowLoopbackUpstreams()).isFalse();
    assertThat(settings.allowPrivateUpstreams()).isFalse();
  }

  @Test
  void flagsOverrideEnvironment() {
    OperatorSettings settings =
        OperatorSettings.fromEnvironmentAndArgs(
            Map.of(
                "SWITCHBOARD_WATCH_NAMESPACES", "team-a, team-b",
                "SWITCHBOARD_ALLOW_PRIVATE_UPSTREAMS", "true",
                "SWITCHBOARD_SSA", "true"),
            new String[] {"--server-side-apply=false", "--watch-namespaces=team-c"});

    assertThat(settings.watchNamespaces()).containsExactly("team-c");
    assertThat(settings.allowPrivateUpstreams()).isTrue();
    assertThat(settings.serverSideApply()).isFalse();
  }

  @Test
  void commaListOfNamespacesIsTrimmed() {
    OperatorSettings settings =
        OperatorSettings.fromEnvironmentAndArgs(
            Map.of("SWITCHBOARD_WATCH_NAMESPACES", " team-a ,team-b,, "), new String[0]);

    assertThat(settings.watchNamespaces()).containsExactlyInAnyOrder("team-a", "team-b");
  }

  @Test
  void rejectsUnknownFlagsAndNonBooleans() {
    assertThatThrownBy(
            () -> OperatorSettings.fromEnvironmentAndArgs(Map.of(), new String[] {"--nope"}))
        .hasMessageContaining("unknown flag --nope");
    assertThatThrownBy(
            () ->
                OperatorSettings.fromEnvironmentAndArgs(
                    Map.of("SWITCHBOARD_LEADER_ELECTION", "maybe"), new String[0]))
        .hasMessageContaining("SWITCHBOARD_LEADER_ELECTION");
  }
}
