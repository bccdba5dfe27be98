package dev.switchboard.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.api.v1alpha1.ModelRouteStatus;
import dev.switchboard.api.v1alpha1.ObservedKey;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.ProviderEndpointStatus;
import dev.switchboard.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A wait on a status the operator has not written yet goes on through {@link StatusReads}, where a
 * chained read ends it at once (as it failed {@code EvaluationBaselineChangeScenarioTest} once).
 */
class StatusReadsTest {

  private final AtomicInteger reads = new AtomicInteger();

  /** Route "chat" as read again and again: no status until the third read, then Ready=True. */
  private final Supplier<ModelRoute> route =
      () -> {
        ModelRoute r = new ModelRoute();
        r.setMetadata(new ObjectMetaBuilder().withName("chat").withNamespace("ns").build());
        if (reads.incrementAndGet() >= 3) {
          ModelRouteStatus status = new ModelRouteStatus();
          Condition ready = new ConditionBuilder().withType("Ready").withStatus("True").build();
          status.setConditions(List.of(ready));
          r.setStatus(status);
        }
        return r;
      };

  @Test
  void aWaitOnAConditionNotWrittenYetGoesOnUntilItIs() {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(1))
        .untilAsserted(
            () ->
                assertThat(StatusReads.presentCondition(route.get(), "Ready").getStatus())
                    .isEqualTo("True"));

    assertThat(reads).hasValue(3);
  }

  @Test
  void aWaitOnAStatusNotWrittenYetGoesOnUntilItIs() {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(1))
        .untilAsserted(
            () -> assertThat(StatusReads.status(route.get()).getConditions()).hasSize(1));

    assertThat(reads).hasValue(3);
  }

  /** What the helper is for: the same wait read through the chain fails at the first read. */
  @Test
  void theChainedReadEndsTheSameWaitAtOnce() {
    assertThatThrownBy(
            () ->
                await()
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(1))
                    .untilAsserted(
                        () ->
                            assertThat(
                                    Conditions.find(
                                        route.get().getStatus().getConditions(), "Ready"))
                                .isPresent()))
        .isInstanceOf(NullPointerException.class);

    assertThat(reads).hasValue(1);
  }

  @Test
  void whatIsMissingIsNamedInTheAssertion() {
    assertThatThrownBy(() -> StatusReads.status(route.get()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("status of ModelRoute chat");
    assertThatThrownBy(() -> StatusReads.status((ModelRoute) null))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("not found");
    assertThatThrownBy(() -> StatusReads.presentCondition(route.get(), "Ready"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("condition Ready of ModelRoute chat");
    // "Has it not" can be awaited as well: no status, no condition.
    assertThat(StatusReads.condition(null, "Ready")).isEmpty();
    assertThat(reads).hasValue(2);
    assertThat(StatusReads.condition(route.get(), "Ready")).isPresent();
    assertThat(StatusReads.condition(route.get(), "Drifted")).isEmpty();
  }

  @Test
  void credentialsNotWrittenYetFailAsAnAssertionThatNamesThem() {
    ProviderEndpoint endpoint = new ProviderEndpoint();
    endpoint.setMetadata(new ObjectMetaBuilder().withName("openai").withNamespace("ns").build());
    assertThatThrownBy(() -> StatusReads.credentials(endpoint))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("status of ProviderEndpoint openai");
    endpoint.setStatus(new ProviderEndpointStatus());
    assertThatThrownBy(() -> StatusReads.credentials(endpoint))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("status.credentials of ProviderEndpoint openai");
    ObservedKey key = new ObservedKey();
    endpoint.getStatus().setCredentials(key);
    assertThat(StatusReads.credentials(endpoint)).isSameAs(key);
  }
}
