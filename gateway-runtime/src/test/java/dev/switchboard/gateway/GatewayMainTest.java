package dev.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayMainTest {

  @Test
  void defaultsServeTheStandardFilesOnPort8080() {
    GatewayOptions o = GatewayMain.parse(new String[0], Map.of());
    assertThat(o.port()).isEqualTo(8080);
    assertThat(o.routingFile()).isEqualTo(Path.of("/etc/switchboard/routing/routing.json"));
    assertThat(o.keysDir()).isEqualTo(Path.of("/etc/switchboard/keys"));
    assertThat(o.namespace()).isNull();
    assertThat(o.maxBodyBytes()).isEqualTo(32L * 1024 * 1024);
  }

  @Test
  void flagsWinOverEnvironment() {
    GatewayOptions o =
        GatewayMain.parse(
            new String[] {
              "--port", "9000", "--routing-file=/tmp/r.json", "--max-body-bytes", "1024"
            },
            Map.of(
                "SWITCHBOARD_PORT",
                "7000",
                "SWITCHBOARD_NAMESPACE",
                "llm",
                "SWITCHBOARD_HOST",
                "::"));
    assertThat(o.port()).isEqualTo(9000);
    assertThat(o.routingFile()).isEqualTo(Path.of("/tmp/r.json"));
    assertThat(o.maxBodyBytes()).isEqualTo(1024);
    assertThat(o.namespace()).isEqualTo("llm");
    assertThat(o.host()).isEqualTo("::");
  }

  @Test
  void adminKeyDigestsComeFromAFlagOrTheEnvironmentAndMustBeDigests() {
    String a = "a".repeat(64);
    String b = "B".repeat(64);
    assertThat(GatewayMain.parse(new String[0], Map.of()).consumers().adminKeySha256()).isEmpty();
    assertThat(
            GatewayMain.parse(new String[0], Map.of("SWITCHBOARD_ADMIN_KEY_SHA256", a + ", " + b))
                .consumers()
                .adminKeySha256())
        .containsExactly(a, "b".repeat(64));
    assertThat(
            GatewayMain.parse(
                    new String[] {"--admin-key-sha256", a},
                    Map.of("SWITCHBOARD_ADMIN_KEY_SHA256", b))
                .consumers()
                .adminKeySha256())
        .containsExactly(a);
    // A key passed where its digest belongs is refused, and never quoted.
    assertThatThrownBy(
            () ->
                GatewayMain.parse(new String[] {"--admin-key-sha256", "sk-admin-secret"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("sk-admin-secret");
  }

  @Test
  void rejectsUnknownFlagsAndBadNumbers() {
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--prot", "1"}, Map.of()))
        .hasMessageContaining("unknown flag --prot");
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--port", "x"}, Map.of()))
        .hasMessageContaining("needs a number");
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--port"}, Map.of()))
        .hasMessageContaining("needs a value");
  }

  @Test
  void serverLimitsAndAdminPortHaveDefaultsFlagsAndEnvironment() {
    GatewayOptions defaults = GatewayMain.parse(new String[0], Map.of());
    assertThat(defaults.adminPort()).isEqualTo(9090);
    assertThat(defaults.headerReadTimeoutMs()).isEqualTo(10_000);
    assertThat(defaults.idleTimeoutMs()).isEqualTo(75_000);
    assertThat(defaults.maxConnections()).isEqualTo(10_000);
    GatewayOptions o =
        GatewayMain.parse(
            new String[] {"--admin-port", "9100", "--max-connections=50"},
            Map.of(
                "SWITCHBOARD_ADMIN_PORT", "9200",
                "SWITCHBOARD_HEADER_READ_TIMEOUT_MS", "2000",
                "SWITCHBOARD_IDLE_TIMEOUT_MS", "30000"));
    assertThat(o.adminPort()).isEqualTo(9100);
    assertThat(o.maxConnections()).isEqualTo(50);
    assertThat(o.headerReadTimeoutMs()).isEqualTo(2000);
    assertThat(o.idleTimeoutMs()).isEqualTo(30_000);
  }

  @Test
  void shutdownDrainDelayAndTimeoutHaveDefaultsFlagsAndEnvironment() {
    GatewayOptions defaults = GatewayMain.parse(new String[0], Map.of());
    assertThat(defaults.drainDelayMs()).isEqualTo(5_000);
    assertThat(defaults.shutdownTimeoutMs()).isEqualTo(20_000);
    GatewayOptions o =
        GatewayMain.parse(
            new String[] {"--shutdown-timeout-ms", "45000"},
            Map.of(
                "SWITCHBOARD_DRAIN_DELAY_MS", "10000",
                "SWITCHBOARD_SHUTDOWN_TIMEOUT_MS", "1000"));
    assertThat(o.drainDelayMs()).isEqualTo(10_000);
    assertThat(o.shutdownTimeoutMs()).isEqualTo(45_000);
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--drain-delay-ms", "-1"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
  }

  @Test
  void aLimitOfZeroIsRefusedRatherThanSwitchingTheProtectionOff() {
    assertThatThrownBy(
            () -> GatewayMain.parse(new String[] {"--header-read-timeout-ms", "0"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--max-connections", "-1"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theStateStoreTimeoutHasADefaultAFlagAndAnEnvironmentVariableAndABoundedRange() {
    assertThat(GatewayMain.parse(new String[0], Map.of()).consumers().stateStoreTimeoutMs())
        .isEqualTo(250);
    assertThat(
            GatewayMain.parse(new String[0], Map.of("SWITCHBOARD_STATE_STORE_TIMEOUT_MS", "1500"))
                .consumers()
                .stateStoreTimeoutMs())
        .isEqualTo(1500);
    GatewayOptions o =
        GatewayMain.parse(
            new String[] {"--state-store-timeout-ms", "800", "--state-store", "redis://r:6379"},
            Map.of("SWITCHBOARD_STATE_STORE_TIMEOUT_MS", "1500"));
    assertThat(o.consumers().stateStoreTimeoutMs()).isEqualTo(800);
    // Other state-store options set after it keep it.
    assertThat(o.consumers().stateStore()).isEqualTo("redis://r:6379");
    assertThatThrownBy(
            () -> GatewayMain.parse(new String[] {"--state-store-timeout-ms", "0"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 60000 ms");
    assertThatThrownBy(
            () ->
                GatewayMain.parse(
                    new String[0], Map.of("SWITCHBOARD_STATE_STORE_TIMEOUT_MS", "600000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 60000 ms");
  }
}
