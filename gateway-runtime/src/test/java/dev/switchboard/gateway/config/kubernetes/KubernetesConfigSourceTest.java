package dev.switchboard.gateway.config.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubernetesConfigSourceTest {

  @Test
  void secretKeysComeFromBase64DataWhichWinsOverStringData() {
    var secret =
        new SecretBuilder()
            .withData(
                Map.of(
                    "a",
                    Base64.getEncoder().encodeToString("sk-a".getBytes(StandardCharsets.UTF_8)),
                    "broken",
                    "%%%not-base64"))
            .withStringData(Map.of("b", "sk-b", "a", "ignored"))
            .build();
    assertThat(KubernetesConfigSource.keys(secret))
        .containsEntry("a", "sk-a")
        .containsEntry("b", "sk-b")
        .doesNotContainKey("broken");
  }
}
