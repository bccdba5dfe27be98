package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.status.Reason;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A consumer key no client can send (two keys on two lines, a space inside) is refused as a
 * provider key is, instead of being published as a key that can never match.
 */
class ConsumerKeyValidityTest {

  private static ConsumerTableRenderer.Resolution render(String value) {
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName("app-key")
            .withNamespace("ns")
            .endMetadata()
            .withStringData(Map.of("apiKey", value))
            .build();
    Consumer consumer = new Consumer();
    consumer.setMetadata(new ObjectMetaBuilder().withName("app").withNamespace("ns").build());
    ConsumerSpec spec = new ConsumerSpec();
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName("app-key");
    spec.setKeySecretRefs(List.of(ref));
    consumer.setSpec(spec);
    return ConsumerTableRenderer.render(
            List.of(consumer), new CredentialResolver((ns, n) -> Optional.of(secret)))
        .consumers()
        .get("app");
  }

  @Test
  void aKeyWithALineBreakOrSpaceInsideIsNotPublished() {
    for (String bad : List.of("sk-old-1\nsk-new-2", "sk-old 1")) {
      ConsumerTableRenderer.Resolution resolution = render(bad);
      assertThat(resolution.keySha256()).isEmpty();
      assertThat(resolution.problems())
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.reason()).isEqualTo(Reason.INVALID_KEY);
                assertThat(p.message())
                    .contains("key 'apiKey' of Secret 'app-key' is not a valid API key")
                    .doesNotContain("sk-old");
              });
    }
    // A trailing newline (echo > file) is still one key.
    assertThat(render("sk-good-1\n").keySha256()).hasSize(1);
    assertThat(render("sk-good-1\n").problems()).isEmpty();
  }
}
