package dev.switchboard.operator.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.Consumer;
import dev.switchboard.api.v1alpha1.ConsumerBudget;
import dev.switchboard.api.v1alpha1.ConsumerSpec;
import dev.switchboard.api.v1alpha1.KeyRotation;
import dev.switchboard.api.v1alpha1.ObservedKey;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.contract.ConsumerTable;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consumers against the mock API server: keys rendered as hashes only into the table the gateways
 * watch, revocation by Secret edit and by deletion, problems named without values, key ages that
 * survive an operator restart, and KeyRotationDue on a moved clock.
 */
class ConsumerScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static final Duration WAIT = Duration.ofSeconds(20);

  static void secret(String ns, String name, Map<String, String> values) {
    KUBE.client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withStringData(values)
                .build())
        .createOr(op -> op.update());
  }

  static Consumer consumer(String ns, String name, List<SecretKeyRef> refs, String maxAge) {
    Consumer c = new Consumer();
    c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    ConsumerSpec spec = new ConsumerSpec();
    spec.setKeySecretRefs(refs);
    spec.setModels(List.of("chat-*"));
    ConsumerBudget budget = new ConsumerBudget();
    budget.setUsdPerDay(5.0);
    spec.setBudget(budget);
    spec.setLabels(Map.of("team", name));
    if (maxAge != null) {
      KeyRotation rotation = new KeyRotation();
      rotation.setMaxAge(maxAge);
      spec.setKeyRotation(rotation);
    }
    c.setSpec(spec);
    return c;
  }

  static SecretKeyRef ref(String name, String key) {
    SecretKeyRef r = new SecretKeyRef();
    r.setName(name);
    r.setKey(key);
    return r;
  }

  static Optional<ConsumerTable> table(String ns) {
    return PublishedReads.consumerTable(KUBE.client(), ns);
  }

  static Consumer get(String ns, String name) {
    return KUBE.client().resources(Consumer.class).inNamespace(ns).withName(name).get();
  }

  static Optional<Condition> condition(Consumer c, String type) {
    return StatusReads.condition(c, type);
  }

  /**
   * The published consumer table, asserted to be there: inside a wait, a table not written yet (or
   * deleted and not written back yet) fails as an assertion, and the wait goes on.
   */
  static ConsumerTable presentTable(String ns) {
    return PublishedReads.presentConsumerTable(KUBE.client(), ns);
  }

  /** The first key in the Consumer's status, asserted to be there. */
  static ObservedKey firstKey(Consumer c) {
    List<ObservedKey> keys = StatusReads.status(c).getKeys();
    assertThat(keys).as("status.keys of Consumer %s", c.getMetadata().getName()).isNotEmpty();
    return keys.get(0);
  }

  @Test
  void keysArePublishedAsHashesAndRevokedWhenTheSecretChangesOrTheConsumerGoes() {
    String ns = "consumers-keys";
    secret(ns, "search-key", Map.of("apiKey", "sk-search-old", "next", "sk-search-new"));
    secret(ns, "other-key", Map.of("apiKey", "sk-other"));
    KUBE.client()
        .resource(
            consumer(
                ns,
                "search",
                List.of(ref("search-key", "apiKey"), ref("search-key", "next")),
                null))
        .create();
    KUBE.client()
        .resource(consumer(ns, "other", List.of(ref("other-key", "apiKey")), null))
        .create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              ConsumerTable t = presentTable(ns);
              assertThat(t.consumers())
                  .extracting(ConsumerTable.Consumer::name)
                  .containsExactly("other", "search");
              ConsumerTable.Consumer search = t.consumers().get(1);
              assertThat(search.keySha256())
                  .containsExactly(
                      KeyAges.sha256Hex("sk-search-old"), KeyAges.sha256Hex("sk-search-new"));
              assertThat(search.models()).containsExactly("chat-*");
              assertThat(search.budget().usdPerDay()).isEqualTo(5.0);
              assertThat(search.onStoreUnavailable()).isEqualTo("allow");
              assertThat(search.labels()).containsEntry("team", "search");
              Consumer c = get(ns, "search");
              assertThat(condition(c, "Ready").map(Condition::getStatus)).contains("True");
              assertThat(StatusReads.status(c).getKeys())
                  .extracting(ObservedKey::getFingerprint)
                  .containsExactly(
                      KeyAges.fingerprint("sk-search-old"), KeyAges.fingerprint("sk-search-new"));
            });
    assertThat(KeyAges.fingerprint("sk-search-old")).matches("sha256:[0-9a-f]{8}");

    // Rotation finished: the old key leaves the Secret and the table at once.
    secret(ns, "search-key", Map.of("next", "sk-search-new"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(presentTable(ns).consumers())
                  .filteredOn(x -> x.name().equals("search"))
                  .first()
                  .satisfies(
                      search ->
                          assertThat(search.keySha256())
                              .containsExactly(KeyAges.sha256Hex("sk-search-new")));
              Condition ready = StatusReads.presentCondition(get(ns, "search"), "Ready");
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("SecretKeyNotFound");
              assertThat(ready.getMessage()).contains("search-key").contains("apiKey");
            });

    // Deleting a Consumer takes its keys out of the table (no finalizer needed).
    KUBE.client().resources(Consumer.class).inNamespace(ns).withName("other").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(presentTable(ns).consumers())
                    .extracting(ConsumerTable.Consumer::name)
                    .containsExactly("search"));

    // The last one gone: an empty table (open access, as with no Consumer), not a stale one.
    KUBE.client().resources(Consumer.class).inNamespace(ns).withName("search").delete();
    await().atMost(WAIT).untilAsserted(() -> assertThat(presentTable(ns).consumers()).isEmpty());

    assertNoPlaintext(ns, "sk-search-old", "sk-search-new", "sk-other");
  }

  @Test
  void aDeletedConsumerTableIsWrittenBack() {
    // Without the table a gateway that starts (a rollout, a new replica) knows no Consumer and
    // lets every request in: a deletion by someone else must not stay.
    String ns = "consumers-deleted";
    secret(ns, "app-key", Map.of("apiKey", "sk-app"));
    KUBE.client().resource(consumer(ns, "app", List.of(ref("app-key", "apiKey")), null)).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(presentTable(ns).consumers())
                    .first()
                    .satisfies(
                        c ->
                            assertThat(c.keySha256())
                                .containsExactly(KeyAges.sha256Hex("sk-app"))));

    KUBE.client().secrets().inNamespace(ns).withName(ConsumerTable.SECRET_NAME).delete();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(presentTable(ns).consumers())
                    .first()
                    .satisfies(
                        c ->
                            assertThat(c.keySha256())
                                .containsExactly(KeyAges.sha256Hex("sk-app"))));
  }

  @Test
  void aMissingSecretIsNamedAndTheConsumerStillRequiresKeys() {
    String ns = "consumers-missing";
    KUBE.client()
        .resource(consumer(ns, "lonely", List.of(ref("nowhere", "apiKey")), null))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition ready = StatusReads.presentCondition(get(ns, "lonely"), "Ready");
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("SecretNotFound");
              assertThat(ready.getMessage()).contains("nowhere");
              // Fails closed: the consumer is in the table without keys, so keys stay required.
              assertThat(presentTable(ns).consumers())
                  .singleElement()
                  .satisfies(c -> assertThat(c.keySha256()).isEmpty());
            });
    secret(ns, "nowhere", Map.of("apiKey", "sk-late"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(presentTable(ns).consumers())
                    .first()
                    .satisfies(
                        c ->
                            assertThat(c.keySha256())
                                .containsExactly(KeyAges.sha256Hex("sk-late"))));
  }

  @Test
  void aKeyOlderThanMaxAgeRaisesKeyRotationDueAndItsAgeSurvivesARestart() {
    String ns = "consumers-age";
    secret(ns, "aged-key", Map.of("apiKey", "sk-aged"));
    KUBE.client()
        .resource(consumer(ns, "aged", List.of(ref("aged-key", "apiKey")), "168h"))
        .create();
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("openai").withNamespace(ns).build());
    ProviderEndpointSpec peSpec = new ProviderEndpointSpec();
    peSpec.setProvider("openai");
    peSpec.setApiKeySecretRef(ref("aged-key", "apiKey"));
    KeyRotation rotation = new KeyRotation();
    rotation.setMaxAge("168h");
    peSpec.setKeyRotation(rotation);
    pe.setSpec(peSpec);
    KUBE.client().resource(pe).create();

    String[] since = new String[2];
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Consumer c = get(ns, "aged");
              assertThat(condition(c, "KeyRotationDue").map(Condition::getStatus))
                  .contains("False");
              since[0] = firstKey(c).getObservedSince();
              ProviderEndpoint p = provider(ns);
              assertThat(StatusReads.credentials(p).getFingerprint())
                  .isEqualTo(KeyAges.fingerprint("sk-aged"));
              assertThat(providerCondition(p, "KeyRotationDue")).contains("False");
              since[1] = StatusReads.credentials(p).getObservedSince();
            });
    assertThat(since[0])
        .isEqualTo(
            KUBE.clock().instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());

    // A restart must not reset the age: observedSince lives in status.
    KUBE.stopOperator();
    KUBE.clock().advance(Duration.ofHours(169));
    KUBE.startOperator();
    // Something happens to the Secret (an unrelated key), so both reconcile on the moved clock.
    secret(ns, "aged-key", Map.of("apiKey", "sk-aged", "note", "touched"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Consumer c = get(ns, "aged");
              Condition due = StatusReads.presentCondition(c, "KeyRotationDue");
              assertThat(due.getStatus()).isEqualTo("True");
              assertThat(due.getReason()).isEqualTo("KeyOlderThanMaxAge");
              assertThat(due.getMessage()).contains(KeyAges.fingerprint("sk-aged"));
              assertThat(firstKey(c).getObservedSince()).isEqualTo(since[0]);
              ProviderEndpoint p = provider(ns);
              assertThat(providerCondition(p, "KeyRotationDue")).contains("True");
              assertThat(StatusReads.credentials(p).getObservedSince()).isEqualTo(since[1]);
              assertThat(
                      KUBE.client().v1().events().inNamespace(ns).list().getItems().stream()
                          .filter(e -> "KeyOlderThanMaxAge".equals(e.getReason()))
                          .filter(e -> "Warning".equals(e.getType()))
                          .map(e -> e.getInvolvedObject().getKind())
                          .distinct())
                  .containsExactlyInAnyOrder("Consumer", "ProviderEndpoint");
            });

    // A new key is a new fingerprint, observed from now: the condition clears.
    secret(ns, "aged-key", Map.of("apiKey", "sk-rotated"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Consumer c = get(ns, "aged");
              assertThat(condition(c, "KeyRotationDue").map(Condition::getStatus))
                  .contains("False");
              assertThat(firstKey(c).getFingerprint()).isEqualTo(KeyAges.fingerprint("sk-rotated"));
              assertThat(providerCondition(provider(ns), "KeyRotationDue")).contains("False");
            });
    assertNoPlaintext(ns, "sk-aged", "sk-rotated");
  }

  @Test
  void aKeyKeepsItsAgeWhileItsSecretIsBrieflyGoneOrTheKeyIsShared() {
    String ns = "consumers-age-kept";
    secret(ns, "long-key", Map.of("apiKey", "sk-long-lived"));
    KUBE.client()
        .resource(consumer(ns, "long", List.of(ref("long-key", "apiKey")), "2160h"))
        .create();
    String[] since = new String[1];
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Consumer c = get(ns, "long");
              assertThat(condition(c, "KeyRotationDue").map(Condition::getStatus))
                  .contains("False");
              since[0] = firstKey(c).getObservedSince();
            });

    // 200 days later (the Secret is touched so that the consumer reconciles on the moved clock).
    KUBE.clock().advance(Duration.ofDays(200));
    secret(ns, "long-key", Map.of("apiKey", "sk-long-lived", "note", "touched"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition(get(ns, "long"), "KeyRotationDue").map(Condition::getStatus))
                    .contains("True"));

    // The Secret is replaced (deleted, then created again with the same key): the age stays.
    KUBE.client().secrets().inNamespace(ns).withName("long-key").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Consumer c = get(ns, "long");
              assertThat(condition(c, "Ready").map(Condition::getReason))
                  .contains("SecretNotFound");
              assertThat(StatusReads.status(c).getKeys())
                  .singleElement()
                  .satisfies(
                      k -> {
                        assertThat(k.getFingerprint())
                            .isEqualTo(KeyAges.fingerprint("sk-long-lived"));
                        assertThat(k.getObservedSince()).isEqualTo(since[0]);
                      });
              assertThat(condition(c, "KeyRotationDue").map(Condition::getStatus)).contains("True");
            });
    secret(ns, "long-key", Map.of("apiKey", "sk-long-lived"));
    assertKeyStillDue(ns, since[0]);

    // Another Consumer given the same key: refused for it alone; the holder keeps the key and its
    // age, and touching the Secret both use moves neither.
    KUBE.client()
        .resource(consumer(ns, "copycat", List.of(ref("long-key", "apiKey")), null))
        .create();
    secret(ns, "long-key", Map.of("apiKey", "sk-long-lived", "note", "shared"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition(get(ns, "copycat"), "Ready").map(Condition::getReason))
                    .contains("KeySharedWithOtherConsumer"));
    assertKeyStillDue(ns, since[0]);
    KUBE.client().resources(Consumer.class).inNamespace(ns).withName("copycat").delete();
    secret(ns, "long-key", Map.of("apiKey", "sk-long-lived"));
    assertKeyStillDue(ns, since[0]);
    assertNoPlaintext(ns, "sk-long-lived");
  }

  @Test
  void aNewcomerListingAnotherConsumersKeyIsRefusedAloneAndTheOwnerHearsNothing() {
    // Two Secrets, one key value. The newcomer is created in the same second and comes first by
    // name: only "the table in force publishes the key for the owner" keeps the key with it.
    String ns = "consumers-key-owner";
    secret(ns, "owner-key", Map.of("apiKey", "sk-one-for-two"));
    KUBE.client()
        .resource(consumer(ns, "owner", List.of(ref("owner-key", "apiKey")), null))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(get(ns, "owner"), "Ready").map(Condition::getReason))
                  .contains("KeysPublished");
              assertThat(presentTable(ns).consumers())
                  .extracting(c -> c.name() + "=" + c.keySha256())
                  .containsExactly("owner=" + List.of(KeyAges.sha256Hex("sk-one-for-two")));
            });
    Consumer ownerBefore = get(ns, "owner");
    int writesBefore = KUBE.writeLog(ns).size();

    // Order 1: the owner reconciled first, then the newcomer.
    secret(ns, "newcomer-key", Map.of("apiKey", "sk-one-for-two", "own", "sk-newcomer-own"));
    KUBE.client()
        .resource(consumer(ns, "aaa-newcomer", List.of(ref("newcomer-key", "apiKey")), null))
        .create();
    await().atMost(WAIT).untilAsserted(() -> assertNewcomerRefused(ns, "aaa-newcomer"));

    // Order 2: the owner reconciled after the newcomer (its Secret touched), then the newcomer
    // again (its Secret touched): nothing moves.
    int ownerReconciles = KUBE.reconciliations(ownerBefore);
    secret(ns, "owner-key", Map.of("apiKey", "sk-one-for-two", "note", "touched"));
    await().atMost(WAIT).until(() -> KUBE.reconciliations(ownerBefore) > ownerReconciles);
    Consumer newcomer = get(ns, "aaa-newcomer");
    int newcomerReconciles = KUBE.reconciliations(newcomer);
    secret(
        ns,
        "newcomer-key",
        Map.of("apiKey", "sk-one-for-two", "own", "sk-newcomer-own", "note", "touched"));
    await().atMost(WAIT).until(() -> KUBE.reconciliations(newcomer) > newcomerReconciles);
    assertNewcomerRefused(ns, "aaa-newcomer");
    assertOwnerUntouched(ns, ownerBefore, writesBefore);

    // The owner drops the key: the newcomer, untouched, gets it at once.
    Consumer owner = get(ns, "owner");
    owner.getSpec().setKeySecretRefs(List.of(ref("owner-key", "note")));
    KUBE.client().resource(owner).update();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition ready = StatusReads.presentCondition(get(ns, "aaa-newcomer"), "Ready");
              assertThat(ready.getReason()).isEqualTo("KeysPublished");
              assertThat(presentTable(ns).consumers())
                  .extracting(c -> c.name() + "=" + c.keySha256())
                  .containsExactly(
                      "aaa-newcomer=" + List.of(KeyAges.sha256Hex("sk-one-for-two")),
                      "owner=" + List.of(KeyAges.sha256Hex("touched")));
            });

    // The owner lists it again: now the newcomer holds it, so the owner is the one refused.
    owner = get(ns, "owner");
    owner.getSpec().setKeySecretRefs(List.of(ref("owner-key", "apiKey")));
    KUBE.client().resource(owner).update();
    await().atMost(WAIT).untilAsserted(() -> assertNewcomerRefused(ns, "owner"));
    // Deleted, the holder leaves the key to the other one, which is not touched either.
    KUBE.client().resources(Consumer.class).inNamespace(ns).withName("aaa-newcomer").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(get(ns, "owner"), "Ready").map(Condition::getReason))
                  .contains("KeysPublished");
              assertThat(presentTable(ns).consumers())
                  .extracting(c -> c.name() + "=" + c.keySha256())
                  .containsExactly("owner=" + List.of(KeyAges.sha256Hex("sk-one-for-two")));
            });
    assertNoPlaintext(ns, "sk-one-for-two", "sk-newcomer-own");
  }

  @Test
  void theKeyStaysWithItsHolderAcrossAnOperatorRestartAgainstAnOlderConsumer() {
    // The elder is older and first by name: after a restart (nothing in memory) only the published
    // table, read back from its Secret, says the key is the holder's.
    String ns = "consumers-key-restart";
    secret(ns, "elder-key", Map.of("apiKey", "sk-elder"));
    secret(ns, "holder-key", Map.of("apiKey", "sk-held"));
    KUBE.client()
        .resource(consumer(ns, "aaa-elder", List.of(ref("elder-key", "apiKey")), null))
        .create();
    KUBE.clock().advance(Duration.ofHours(1));
    KUBE.client()
        .resource(consumer(ns, "holder", List.of(ref("holder-key", "apiKey")), null))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(get(ns, "holder"), "Ready").map(Condition::getReason))
                  .contains("KeysPublished");
              assertThat(condition(get(ns, "aaa-elder"), "Ready").map(Condition::getReason))
                  .contains("KeysPublished");
            });
    Consumer holderBefore = get(ns, "holder");
    int writesBefore = KUBE.writeLog(ns).size();
    int holderReconciles = KUBE.reconciliations(holderBefore);

    KUBE.stopOperator();
    secret(ns, "copied-key", Map.of("apiKey", "sk-held"));
    Consumer elder = get(ns, "aaa-elder");
    elder.getSpec().setKeySecretRefs(List.of(ref("copied-key", "apiKey")));
    KUBE.client().resource(elder).update();
    KUBE.startOperator();

    await().atMost(WAIT).untilAsserted(() -> assertNewcomerRefused(ns, "aaa-elder"));
    await().atMost(WAIT).until(() -> KUBE.reconciliations(holderBefore) > holderReconciles);
    assertThat(presentTable(ns).consumers())
        .extracting(c -> c.name() + "=" + c.keySha256())
        .containsExactly("aaa-elder=[]", "holder=" + List.of(KeyAges.sha256Hex("sk-held")));
    assertOwnerUntouched(ns, holderBefore, writesBefore);
    assertNoPlaintext(ns, "sk-held", "sk-elder");
  }

  @Test
  void aNewcomerCannotTakeAKeyWhileItsHoldersSecretIsBrieflyGone() {
    // A sync that deletes and creates the Secret again is not a window to take the key in.
    String ns = "consumers-key-window";
    secret(ns, "owner-key", Map.of("apiKey", "sk-synced"));
    KUBE.client()
        .resource(consumer(ns, "owner", List.of(ref("owner-key", "apiKey")), null))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition(get(ns, "owner"), "Ready").map(Condition::getReason))
                    .contains("KeysPublished"));
    KUBE.client().secrets().inNamespace(ns).withName("owner-key").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(get(ns, "owner"), "Ready").map(Condition::getReason))
                  .contains("SecretNotFound");
              assertThat(presentTable(ns).consumers())
                  .singleElement()
                  .satisfies(row -> assertThat(row.keySha256()).isEmpty());
            });

    // Rendered after the table stopped publishing the key: only the operator remembers whose it is.
    secret(ns, "copied-key", Map.of("apiKey", "sk-synced"));
    KUBE.client()
        .resource(consumer(ns, "aaa-newcomer", List.of(ref("copied-key", "apiKey")), null))
        .create();
    await().atMost(WAIT).untilAsserted(() -> assertNewcomerRefused(ns, "aaa-newcomer"));

    secret(ns, "owner-key", Map.of("apiKey", "sk-synced"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(get(ns, "owner"), "Ready").map(Condition::getReason))
                  .contains("KeysPublished");
              assertThat(presentTable(ns).consumers())
                  .extracting(c -> c.name() + "=" + c.keySha256())
                  .containsExactly(
                      "aaa-newcomer=[]", "owner=" + List.of(KeyAges.sha256Hex("sk-synced")));
            });
    assertNewcomerRefused(ns, "aaa-newcomer");
    assertNoPlaintext(ns, "sk-synced");
  }

  /**
   * The consumer refused a key another holds: Ready=False KeySharedWithOtherConsumer naming its own
   * Secret only, the key not in its status nor published for it.
   */
  private static void assertNewcomerRefused(String ns, String name) {
    Consumer c = get(ns, name);
    Condition ready = StatusReads.presentCondition(c, "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("KeySharedWithOtherConsumer");
    String other = name.equals("owner") ? "aaa-newcomer" : "owner";
    assertThat(ready.getMessage())
        .contains("another Consumer")
        .contains("fresh key")
        .doesNotContain("Consumer " + other)
        .doesNotContain("holder")
        .doesNotContain(KeyAges.fingerprint("sk-one-for-two").substring("sha256:".length()))
        .doesNotContain(KeyAges.fingerprint("sk-held").substring("sha256:".length()))
        .doesNotContain(KeyAges.fingerprint("sk-synced").substring("sha256:".length()));
    assertThat(StatusReads.status(c).getKeys()).isNullOrEmpty();
    assertThat(presentTable(ns).consumers())
        .filteredOn(row -> row.name().equals(name))
        .singleElement()
        .satisfies(row -> assertThat(row.keySha256()).isEmpty());
  }

  /**
   * The owner's status is what it was, it was never written since, and no event about it was
   * recorded: nothing tells it (or whoever reads it) that someone listed its key.
   */
  private static void assertOwnerUntouched(String ns, Consumer before, int writesBefore) {
    Consumer now = get(ns, before.getMetadata().getName());
    assertThat(Serialization.asJson(now.getStatus()))
        .isEqualTo(Serialization.asJson(before.getStatus()));
    List<String> writes = KUBE.writeLog(ns);
    assertThat(writes.subList(writesBefore, writes.size()))
        .noneMatch(w -> w.contains("/consumers/" + before.getMetadata().getName()));
    assertThat(KUBE.client().v1().events().inNamespace(ns).list().getItems())
        .filteredOn(e -> before.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .extracting(e -> e.getReason())
        .doesNotContain("KeySharedWithOtherConsumer");
  }

  private static void assertKeyStillDue(String ns, String since) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Consumer c = get(ns, "long");
              assertThat(condition(c, "Ready").map(Condition::getStatus)).contains("True");
              assertThat(StatusReads.status(c).getKeys())
                  .extracting(ObservedKey::getObservedSince)
                  .containsExactly(since);
              assertThat(condition(c, "KeyRotationDue").map(Condition::getStatus)).contains("True");
            });
  }

  @Test
  void keyRotationDueGoesAwayWithTheRotationPolicy() {
    String ns = "consumers-age-policy";
    secret(ns, "policy-key", Map.of("apiKey", "sk-policy"));
    KUBE.client()
        .resource(consumer(ns, "policy", List.of(ref("policy-key", "apiKey")), "2160h"))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition(get(ns, "policy"), "KeyRotationDue").map(Condition::getStatus))
                    .contains("False"));

    Consumer current = get(ns, "policy");
    current.getSpec().setKeyRotation(null);
    KUBE.client().resource(current).update();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Consumer c = get(ns, "policy");
              assertThat(StatusReads.status(c).getObservedGeneration())
                  .isEqualTo(c.getMetadata().getGeneration());
              assertThat(condition(c, "KeyRotationDue")).isEmpty();
            });
  }

  static ProviderEndpoint provider(String ns) {
    return KUBE.client().resources(ProviderEndpoint.class).inNamespace(ns).withName("openai").get();
  }

  static Optional<String> providerCondition(ProviderEndpoint p, String type) {
    return StatusReads.condition(p, type).map(Condition::getStatus);
  }

  /** No plaintext key in Consumer/ProviderEndpoint status, events, ConfigMaps or the table. */
  static void assertNoPlaintext(String ns, String... keys) {
    StringBuilder everything = new StringBuilder();
    KUBE.client()
        .resources(Consumer.class)
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(c -> everything.append(Serialization.asJson(c)));
    KUBE.client()
        .resources(ProviderEndpoint.class)
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(p -> everything.append(Serialization.asJson(p)));
    KUBE.client()
        .v1()
        .events()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(e -> everything.append(Serialization.asJson(e)));
    KUBE.client()
        .configMaps()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(m -> everything.append(Serialization.asJson(m)));
    table(ns).ifPresent(t -> everything.append(new String(t.toJson(), StandardCharsets.UTF_8)));
    for (String key : keys) {
      assertThat(everything.toString()).doesNotContain(key);
      assertThat(everything.toString())
          .doesNotContain(Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)));
    }
  }
}
