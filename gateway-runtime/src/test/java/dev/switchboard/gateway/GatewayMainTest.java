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
  void rejectsUnknownFlagsAndBadNumbers() {
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--prot", "1"}, Map.of()))
        .hasMessageContaining("unknown flag --prot");
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--port", "x"}, Map.of()))
        .hasMessageContaining("needs a number");
    assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--port"}, Map.of()))
        .hasMessageContaining("needs a value");
  }
}
