package dev.switchboard.operator.providerendpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.KeyRotation;
import dev.switchboard.api.v1alpha1.LocalObjectRef;
import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteSpec;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointSpec;
import dev.switchboard.api.v1alpha1.RouteTarget;
import dev.switchboard.api.v1alpha1.SecretKeyRef;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.testing.PublishedReads;
import dev.switchboard.operator.testing.StatusReads;
import dev.switchboard.operator.testing.SwitchboardOperatorExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A ProviderEndpoint's key age and KeyRotationDue against the mock API server: the age survives a
 * Secret that is briefly gone (deleted and recreated with the same key, as External Secrets or an
 * Argo replace-sync do), and the condition goes away when no rotation policy applies any more.
 */
class KeyRotationScenarioTest {

  @RegisterExtension
  static final SwitchboardOperatorExtension KUBE =
      new SwitchboardOperatorExtension(OperatorSettings.forMockApiServer());

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(20));
  }

  private static void secret(String ns, Map<String, String> values) {
    KUBE.client()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("provider-key")
                .withNamespace(ns)
                .endMetadata()
                .withStringData(values)
                .build())
        .createOr(op -> op.update());
  }

  private static ProviderEndpoint endpoint(String ns, boolean keyed, String maxAge) {
    ProviderEndpoint pe = new ProviderEndpoint();
    pe.setMetadata(new ObjectMetaBuilder().withName("openai").withNamespace(ns).build());
    ProviderEndpointSpec spec = new ProviderEndpointSpec();
    spec.setProvider("openai");
    if (keyed) {
      SecretKeyRef ref = new SecretKeyRef();
      ref.setName("provider-key");
      ref.setKey("apiKey");
      spec.setApiKeySecretRef(ref);
    }
    if (maxAge != null) {
      KeyRotation rotation = new KeyRotation();
      rotation.setMaxAge(maxAge);
      spec.setKeyRotation(rotation);
    }
    pe.setSpec(spec);
    return pe;
  }

  private static ProviderEndpoint get(String ns) {
    return KUBE.client().resources(ProviderEndpoint.class).inNamespace(ns).withName("openai").get();
  }

  private static void update(String ns, boolean keyed, String maxAge) {
    ProviderEndpoint current = get(ns);
    current.setSpec(endpoint(ns, keyed, maxAge).getSpec());
    KUBE.client().resource(current).update();
  }

  private static Optional<Condition> condition(ProviderEndpoint p, String type) {
    return StatusReads.condition(p, type);
  }

  @Test
  void aKeyKeepsItsAgeWhileItsSecretIsBrieflyGone() {
    String ns = "pe-key-gone";
    secret(ns, Map.of("apiKey", "sk-long-lived"));
    KUBE.client().resource(endpoint(ns, true, "2160h")).create();
    String[] since = new String[1];
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(condition(p, "KeyRotationDue").map(Condition::getStatus))
                  .contains("False");
              since[0] = StatusReads.credentials(p).getObservedSince();
            });

    // 200 days later (the Secret is touched so that the endpoint reconciles on the moved clock).
    KUBE.clock().advance(Duration.ofDays(200));
    secret(ns, Map.of("apiKey", "sk-long-lived", "note", "touched"));
    eventually()
        .untilAsserted(
            () ->
                assertThat(condition(get(ns), "KeyRotationDue").map(Condition::getStatus))
                    .contains("True"));

    // The Secret is replaced: deleted, and created again with the same key.
    KUBE.client().secrets().inNamespace(ns).withName("provider-key").delete();
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(condition(p, "CredentialsResolved").map(Condition::getReason))
                  .contains("SecretNotFound");
              // The age record outlives the unreadable Secret; the condition stays as it was.
              assertThat(StatusReads.credentials(p).getFingerprint())
                  .isEqualTo(KeyAges.fingerprint("sk-long-lived"));
              assertThat(StatusReads.credentials(p).getObservedSince()).isEqualTo(since[0]);
              assertThat(condition(p, "KeyRotationDue").map(Condition::getStatus)).contains("True");
            });
    secret(ns, Map.of("apiKey", "sk-long-lived"));
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(condition(p, "CredentialsResolved").map(Condition::getStatus))
                  .contains("True");
              assertThat(StatusReads.credentials(p).getObservedSince()).isEqualTo(since[0]);
              assertThat(condition(p, "KeyRotationDue").map(Condition::getStatus)).contains("True");
            });

    // A different key is what resets the age.
    secret(ns, Map.of("apiKey", "sk-rotated"));
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(StatusReads.credentials(p).getFingerprint())
                  .isEqualTo(KeyAges.fingerprint("sk-rotated"));
              assertThat(condition(p, "KeyRotationDue").map(Condition::getStatus))
                  .contains("False");
            });
  }

  @Test
  void keyRotationDueGoesAwayWhenNoRotationPolicyApplies() {
    String ns = "pe-key-policy";
    secret(ns, Map.of("apiKey", "sk-policy"));
    KUBE.client().resource(endpoint(ns, true, "2160h")).create();
    eventually()
        .untilAsserted(
            () ->
                assertThat(condition(get(ns), "KeyRotationDue").map(Condition::getStatus))
                    .contains("False"));

    // keyRotation removed from the spec: no policy, no condition (not a stale one).
    update(ns, true, null);
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(StatusReads.status(p).getObservedGeneration())
                  .isEqualTo(p.getMetadata().getGeneration());
              assertThat(condition(p, "KeyRotationDue")).isEmpty();
            });

    update(ns, true, "2160h");
    eventually()
        .untilAsserted(
            () ->
                assertThat(condition(get(ns), "KeyRotationDue").map(Condition::getStatus))
                    .contains("False"));

    // Keyless (a self-hosted model): no key, no age, no condition.
    update(ns, false, "2160h");
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(StatusReads.status(p).getObservedGeneration())
                  .isEqualTo(p.getMetadata().getGeneration());
              assertThat(condition(p, "CredentialsResolved").map(Condition::getReason))
                  .contains("NoCredentialsNeeded");
              assertThat(StatusReads.status(p).getCredentials()).isNull();
              assertThat(condition(p, "KeyRotationDue")).isEmpty();
            });
  }

  /**
   * An invalid spec renders nothing, so the Secret's key is not published for the endpoint: the
   * credentials record follows what the routing table holds for it, the key a route's last good
   * entry carries, and goes with that entry.
   */
  @Test
  void anInvalidSpecKeepsTheRecordOfTheCarriedKeyOnlyWhileTheTableHoldsIt() {
    String ns = "pe-key-invalid-spec";
    secret(ns, Map.of("apiKey", "sk-published"));
    KUBE.client().resource(endpoint(ns, true, "2160h")).create();
    KUBE.client().resource(route(ns)).create();
    String[] since = new String[1];
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(condition(p, "Ready").map(Condition::getStatus)).contains("True");
              assertThat(StatusReads.credentials(p).getFingerprint())
                  .isEqualTo(KeyAges.fingerprint("sk-published"));
              since[0] = StatusReads.credentials(p).getObservedSince();
              assertThat(publishedKey(ns)).contains("sk-published");
            });

    // The spec turns invalid and the Secret gets another key: the route's last good entry keeps
    // serving with the key published before, and that is the key the record describes.
    KUBE.clock().advance(Duration.ofHours(1));
    ProviderEndpoint invalid = get(ns);
    invalid.getSpec().setMaxResponseSize("64");
    KUBE.client().resource(invalid).update();
    secret(ns, Map.of("apiKey", "sk-not-published"));
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(StatusReads.status(p).getObservedGeneration())
                  .isEqualTo(p.getMetadata().getGeneration());
              assertThat(condition(p, "Ready").map(Condition::getReason)).contains("InvalidSpec");
              assertThat(publishedKey(ns)).contains("sk-published");
              assertThat(StatusReads.credentials(p).getFingerprint())
                  .isEqualTo(KeyAges.fingerprint("sk-published"));
              assertThat(StatusReads.credentials(p).getObservedSince()).isEqualTo(since[0]);
              assertThat(StatusReads.presentCondition(p, "KeyRotationDue").getMessage())
                  .contains(KeyAges.fingerprint("sk-published"));
            });

    // The route goes, and with it the only entry that held a key for the endpoint: no record.
    KUBE.client().resources(ModelRoute.class).inNamespace(ns).withName("chat").delete();
    eventually()
        .untilAsserted(
            () -> {
              assertThat(publishedKey(ns)).isEmpty();
              ProviderEndpoint p = get(ns);
              assertThat(StatusReads.status(p).getCredentials()).isNull();
              assertThat(condition(p, "KeyRotationDue")).isEmpty();
            });

    // The spec is fixed: the key in the Secret is published and observed from now.
    ProviderEndpoint fixed = get(ns);
    fixed.getSpec().setMaxResponseSize(null);
    KUBE.client().resource(fixed).update();
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(condition(p, "Ready").map(Condition::getStatus)).contains("True");
              assertThat(StatusReads.credentials(p).getFingerprint())
                  .isEqualTo(KeyAges.fingerprint("sk-not-published"));
            });
  }

  private static ModelRoute route(String ns) {
    RouteTarget target = new RouteTarget();
    LocalObjectRef provider = new LocalObjectRef();
    provider.setName("openai");
    target.setProviderRef(provider);
    target.setModel("gpt-4o-mini");
    ModelRouteSpec spec = new ModelRouteSpec();
    spec.setTargets(List.of(target));
    ModelRoute route = new ModelRoute();
    route.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace(ns).build());
    route.setSpec(spec);
    return route;
  }

  /** The key the published routing table holds for the endpoint, if any. */
  private static Optional<String> publishedKey(String ns) {
    return Optional.ofNullable(PublishedReads.providerKeys(KUBE.client(), ns).get("openai"));
  }

  /**
   * Two keys on two lines (a rotation pasted into one Secret value) are no API key: sent as a
   * header value the gateway's HTTP client would refuse it with an error quoting it whole. The
   * endpoint says so, naming the Secret and key, never the value, and recovers when it is fixed.
   */
  @Test
  void aKeyWithALineBreakInsideIsRefusedByNameAndRecovers() {
    String ns = "pe-key-linebreak";
    String old = "sk-proj-AAAAAAAAAAAA";
    String next = "sk-proj-BBBBBBBBBBBB";
    secret(ns, Map.of("apiKey", old + "\r\n" + next));
    KUBE.client().resource(endpoint(ns, true, null)).create();
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              Condition resolved = StatusReads.presentCondition(p, "CredentialsResolved");
              assertThat(resolved.getStatus()).isEqualTo("False");
              assertThat(resolved.getReason()).isEqualTo("InvalidKey");
              assertThat(resolved.getMessage()).contains("'apiKey'").contains("'provider-key'");
              assertThat(condition(p, "Ready").map(Condition::getStatus)).contains("False");
              assertThat(StatusReads.status(p).getCredentials()).isNull();
            });
    String status = String.valueOf(get(ns).getStatus());
    String events = String.valueOf(KUBE.client().v1().events().inNamespace(ns).list().getItems());
    for (String text : new String[] {status, events}) {
      assertThat(text).doesNotContain(old).doesNotContain(next);
    }

    secret(ns, Map.of("apiKey", next));
    eventually()
        .untilAsserted(
            () -> {
              ProviderEndpoint p = get(ns);
              assertThat(condition(p, "CredentialsResolved").map(Condition::getReason))
                  .contains("SecretKeyFound");
              assertThat(StatusReads.credentials(p).getFingerprint())
                  .isEqualTo(KeyAges.fingerprint(next));
            });
  }
}
