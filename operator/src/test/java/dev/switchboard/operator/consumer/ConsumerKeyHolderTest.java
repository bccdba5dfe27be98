package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.providerendpoint.CredentialResolver;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.status.Reason;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A key that several Consumers of a namespace list is published for one of them only: the one the
 * table in force publishes it for, else the oldest, then the first by name, whatever order the
 * Consumers come in. A newcomer cannot take (or revoke) another Consumer's key by listing it, and
 * its refusal names neither the holder nor anything of the key.
 */
class ConsumerKeyHolderTest {

  private static final String NS = "ns";
  private static final String KEY = "sk-prized";
  private static final String HASH = KeyAges.sha256Hex(KEY);

  private final Map<String, Secret> secrets = new java.util.HashMap<>();

  private Consumer consumer(String name, String created, String secretName, String key) {
    secrets.put(
        secretName,
        new SecretBuilder()
            .withNewMetadata()
            .withName(secretName)
            .withNamespace(NS)
            .endMetadata()
            .withStringData(Map.of("apiKey", key))
            .build());
    Consumer c = new Consumer();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withCreationTimestamp(created)
            .build());
    ConsumerSpec spec = new ConsumerSpec();
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName(secretName);
    spec.setKeySecretRefs(List.of(ref));
    c.setSpec(spec);
    return c;
  }

  private ConsumerTableRenderer.Rendered render(List<Consumer> consumers, ConsumerTable inForce) {
    return render(consumers, inForce, Map.of());
  }

  private ConsumerTableRenderer.Rendered render(
      List<Consumer> consumers, ConsumerTable inForce, Map<String, String> kept) {
    return ConsumerTableRenderer.render(
        consumers,
        new CredentialResolver((ns, name) -> Optional.ofNullable(secrets.get(name))),
        null,
        inForce,
        kept);
  }

  /** Every order of the consumers renders the same table and outcomes. */
  private ConsumerTableRenderer.Rendered renderInEveryOrder(
      ConsumerTable inForce, Consumer... consumers) {
    ConsumerTableRenderer.Rendered first = render(List.of(consumers), inForce);
    List<Consumer> reversed = new ArrayList<>(List.of(consumers));
    java.util.Collections.reverse(reversed);
    ConsumerTableRenderer.Rendered other = render(reversed, inForce);
    assertThat(other.table()).isEqualTo(first.table());
    assertThat(other.consumers()).isEqualTo(first.consumers());
    return first;
  }

  private static Map<String, List<String>> keys(ConsumerTableRenderer.Rendered rendered) {
    Map<String, List<String>> keys = new java.util.TreeMap<>();
    rendered.table().consumers().forEach(c -> keys.put(c.name(), c.keySha256()));
    return keys;
  }

  @Test
  void theConsumerTheTableInForcePublishesTheKeyForKeepsItAgainstAnOlderOneFirstByName() {
    Consumer holder = consumer("zz-holder", "2026-12-01T10:00:00Z", "holder-key", KEY);
    Consumer newcomer = consumer("aa-newcomer", "2026-12-01T09:00:00Z", "newcomer-key", KEY);
    ConsumerTable inForce = render(List.of(holder), null).table();

    ConsumerTableRenderer.Rendered rendered = renderInEveryOrder(inForce, holder, newcomer);

    assertThat(keys(rendered))
        .containsEntry("zz-holder", List.of(HASH))
        .containsEntry("aa-newcomer", List.of());
    // The holder's outcome is the one it had alone: nothing in its status can change.
    assertThat(rendered.consumers().get("zz-holder"))
        .isEqualTo(render(List.of(holder), inForce).consumers().get("zz-holder"));
    ConsumerTableRenderer.Resolution refused = rendered.consumers().get("aa-newcomer");
    assertThat(refused.keySha256()).isEmpty();
    assertThat(refused.refusedSha256()).containsExactly(HASH);
    assertThat(refused.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.KEY_SHARED_WITH_OTHER_CONSUMER);
              assertThat(p.message())
                  .contains("key 'apiKey' of Secret 'newcomer-key'")
                  .contains("fresh key")
                  .doesNotContain("zz-holder")
                  .doesNotContain("holder-key")
                  .doesNotContain(KEY)
                  .doesNotContain(HASH.substring(0, 8));
            });
  }

  @Test
  void withoutATableInForceTheOldestThenTheFirstByNameKeepsTheKey() {
    Consumer older = consumer("zz-older", "2026-12-01T09:00:00Z", "older-key", KEY);
    Consumer younger = consumer("aa-younger", "2026-12-01T09:00:01Z", "younger-key", KEY);
    assertThat(keys(renderInEveryOrder(null, older, younger)))
        .containsEntry("zz-older", List.of(HASH))
        .containsEntry("aa-younger", List.of());

    Consumer sameSecondA = consumer("a-same", "2026-12-01T09:00:00Z", "a-key", KEY);
    Consumer sameSecondB = consumer("b-same", "2026-12-01T09:00:00Z", "b-key", KEY);
    assertThat(keys(renderInEveryOrder(null, sameSecondB, sameSecondA)))
        .containsEntry("a-same", List.of(HASH))
        .containsEntry("b-same", List.of());
  }

  @Test
  void aHolderThatDropsTheKeyOrGoesLeavesItToTheNext() {
    Consumer holder = consumer("zz-holder", "2026-12-01T10:00:00Z", "holder-key", KEY);
    Consumer newcomer = consumer("aa-newcomer", "2026-12-01T11:00:00Z", "newcomer-key", KEY);
    ConsumerTable inForce =
        render(List.of(holder, newcomer), render(List.of(holder), null).table()).table();

    // The holder is deleted: the newcomer gets the key.
    ConsumerTableRenderer.Rendered alone = render(List.of(newcomer), inForce);
    assertThat(keys(alone)).containsEntry("aa-newcomer", List.of(HASH));
    assertThat(alone.consumers().get("aa-newcomer").problems()).isEmpty();

    // The holder takes another key: the newcomer gets this one.
    Consumer moved = consumer("zz-holder", "2026-12-01T10:00:00Z", "holder-key", "sk-other");
    assertThat(keys(renderInEveryOrder(inForce, moved, newcomer)))
        .containsEntry("zz-holder", List.of(KeyAges.sha256Hex("sk-other")))
        .containsEntry("aa-newcomer", List.of(HASH));
  }

  @Test
  void aHolderWhoseSecretIsBrieflyGoneKeepsItsKeyFromANewcomer() {
    // A sync that deletes and creates the Secret again (External Secrets, an Argo replace) must
    // not be the window in which a Consumer listing the same key takes it for good.
    Consumer holder = consumer("zz-holder", "2026-12-01T10:00:00Z", "holder-key", KEY);
    Consumer newcomer = consumer("aa-newcomer", "2026-12-01T09:00:00Z", "newcomer-key", KEY);
    ConsumerTable inForce = render(List.of(holder), null).table();
    Secret holderKey = secrets.remove("holder-key");

    ConsumerTableRenderer.Rendered gone = render(List.of(holder, newcomer), inForce);
    assertThat(keys(gone))
        .containsEntry("zz-holder", List.of())
        .containsEntry("aa-newcomer", List.of());
    assertThat(gone.consumers().get("aa-newcomer").problems())
        .extracting(Problem::reason)
        .containsExactly(Reason.KEY_SHARED_WITH_OTHER_CONSUMER);
    assertThat(gone.kept()).containsExactly(Map.entry(HASH, "zz-holder"));

    // Still gone on the next render, whose table in force no longer publishes the key.
    ConsumerTableRenderer.Rendered stillGone =
        render(List.of(newcomer, holder), gone.table(), gone.kept());
    assertThat(keys(stillGone)).containsEntry("aa-newcomer", List.of());
    assertThat(stillGone.kept()).isEqualTo(gone.kept());

    // Back: the holder has its key again, the newcomer still has not.
    secrets.put("holder-key", holderKey);
    ConsumerTableRenderer.Rendered back =
        render(List.of(holder, newcomer), stillGone.table(), stillGone.kept());
    assertThat(keys(back))
        .containsEntry("zz-holder", List.of(HASH))
        .containsEntry("aa-newcomer", List.of());
    assertThat(back.kept()).isEmpty();

    // A holder deleted while its Secret is gone keeps nothing.
    assertThat(keys(render(List.of(newcomer), gone.table(), gone.kept())))
        .containsEntry("aa-newcomer", List.of(HASH));
  }

  @Test
  void aConsumerWithoutAnyReadableKeyStillRequiresKeys() {
    // Fail closed: a refused copy leaves the newcomer in the table without keys, so a gateway
    // still asks every caller for a key.
    Consumer holder = consumer("holder", "2026-12-01T10:00:00Z", "holder-key", KEY);
    Consumer newcomer = consumer("newcomer", "2026-12-01T11:00:00Z", "newcomer-key", KEY);
    ConsumerTableRenderer.Rendered rendered = render(List.of(holder, newcomer), null);
    assertThat(rendered.table().consumers())
        .extracting(ConsumerTable.Consumer::name)
        .containsExactly("holder", "newcomer");
    assertThat(rendered.consumers().get("newcomer").problems())
        .extracting(Problem::reason)
        .containsExactly(Reason.KEY_SHARED_WITH_OTHER_CONSUMER);
  }
}
