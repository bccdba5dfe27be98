package dev.switchboard.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The two rules of which Secret events cannot change what was rendered. */
class RenderedSecretsTest {

  private static final String NS = "rendered-secrets";

  private static Secret secret(String name, String resourceVersion) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .build();
  }

  /** One render (or a route's own resolve) reading the Secret at a version. */
  private static void read(RenderedSecrets secrets, String name, String version) {
    RenderedSecrets.Render render = secrets.start(NS);
    RenderedSecrets.recording(render, (namespace, n) -> Optional.of(secret(n, version)))
        .apply(NS, name);
    render.done();
  }

  @Test
  void everyReadAtTheEventsVersionMakesItNothingNew() {
    RenderedSecrets secrets = RenderedSecrets.everyRead();
    // Nothing resolved so far used it; every resolve to come reads the cache, which holds it.
    assertThat(secrets.nothingNew(secret("key", "7"))).as("nothing read yet").isTrue();

    read(secrets, "key", "7");
    read(secrets, "key", "7");

    assertThat(secrets.nothingNew(secret("key", "7"))).isTrue();
    assertThat(secrets.nothingNew(secret("key", "8"))).as("a version not read").isFalse();

    // Read as absent (the provider's Secret did not exist yet): its creation is new.
    RenderedSecrets.Render render = secrets.start(NS);
    RenderedSecrets.recording(render, (namespace, n) -> Optional.<Secret>empty())
        .apply(NS, "other");
    render.done();
    assertThat(secrets.nothingNew(secret("other", "3"))).as("created since").isFalse();

    secrets.deleted(secret("key", "7"));
    assertThat(secrets.nothingNew(secret("key", "7"))).as("deleted").isFalse();
  }

  /**
   * A route's status comes also from its own reconcile's resolve (its rollout plan, its evaluation
   * candidates), which another route's later render does not redo: an earlier read of another
   * version keeps the event of the later one new. The consumer table's latest render redoes every
   * Consumer, so there only its reads count.
   */
  @Test
  void anEarlierReadOfAnotherVersionCountsForRoutesButNotForTheLatestRender() {
    RenderedSecrets routes = RenderedSecrets.everyRead();
    read(routes, "key", "1");
    read(routes, "key", "2");
    assertThat(routes.nothingNew(secret("key", "2"))).isFalse();
    assertThat(routes.nothingNew(secret("key", "1"))).isFalse();

    RenderedSecrets consumers = RenderedSecrets.latestRender();
    read(consumers, "key", "1");
    read(consumers, "key", "2");
    assertThat(consumers.nothingNew(secret("key", "2"))).isTrue();
    assertThat(consumers.nothingNew(secret("key", "1"))).isFalse();
    // There a Secret no render read is new once the renders are done.
    assertThat(consumers.nothingNew(secret("other", "3"))).isFalse();
  }
}
