package dev.switchboard.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.api.v1alpha1.ProviderEndpoint;
import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.contract.RoutingDefaults;
import dev.switchboard.contract.RoutingTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/**
 * Fields a CEL rule bounds by another field ({@code timeouts.firstToken} and {@code .connect} by
 * {@code total}, {@code healthCheck.timeout} by {@code interval}, {@code retry.backoff.initial} by
 * {@code max}) have no schema default: the API server applies defaults before the rules, so a
 * default above a shorter bound the user set would refuse the spec. The operator renders the
 * documented default instead, never above the bound (or the bound's own default when it is absent,
 * as on a server that applies no schema defaults).
 */
class BoundedDefaultsRenderingTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void firstTokenAndConnectDefaultToTheirValuesCappedAtTotal() {
    RoutingTable.Timeouts shortTotal = timeouts("{total: 20s}");
    assertThat(shortTotal.firstTokenMs()).isEqualTo(20_000L);
    assertThat(shortTotal.connectMs()).isEqualTo(2_000L);
    assertThat(shortTotal.totalMs()).isEqualTo(20_000L);

    RoutingTable.Timeouts tinyTotal = timeouts("{total: 1s}");
    assertThat(tinyTotal.firstTokenMs()).isEqualTo(1_000L);
    assertThat(tinyTotal.connectMs()).isEqualTo(1_000L);

    RoutingTable.Timeouts defaults = timeouts("{total: 120s}");
    assertThat(defaults.firstTokenMs()).isEqualTo(30_000L);
    assertThat(defaults.connectMs()).isEqualTo(2_000L);

    RoutingTable.Timeouts noTotal = timeouts("{}");
    assertThat(noTotal.firstTokenMs()).as("against total's default 120s").isEqualTo(30_000L);
    assertThat(noTotal.connectMs()).isEqualTo(2_000L);
    assertThat(noTotal.totalMs()).as("left to the gateway's fallback").isNull();

    RoutingTable.Timeouts set = timeouts("{connect: 500ms, firstToken: 10s, total: 20s}");
    assertThat(set.connectMs()).isEqualTo(500L);
    assertThat(set.firstTokenMs()).isEqualTo(10_000L);
  }

  @Test
  void healthCheckTimeoutDefaultsToThreeSecondsCappedAtTheInterval() {
    assertThat(healthCheck("{interval: 2s}").timeoutMs()).isEqualTo(2_000L);
    assertThat(healthCheck("{interval: 2s}").intervalMs()).isEqualTo(2_000L);
    assertThat(healthCheck("{interval: 15s}").timeoutMs()).isEqualTo(3_000L);
    assertThat(healthCheck("{}").timeoutMs())
        .as("against interval's default 15s")
        .isEqualTo(3_000L);
    assertThat(healthCheck("{interval: 10s, timeout: 1s}").timeoutMs()).isEqualTo(1_000L);
  }

  @Test
  void backoffInitialDefaultsTo200msCappedAtMax() {
    assertThat(backoff("{max: 100ms}").backoffInitialMs()).isEqualTo(100L);
    assertThat(backoff("{max: 100ms}").backoffMaxMs()).isEqualTo(100L);
    assertThat(backoff("{max: 5s}").backoffInitialMs()).isEqualTo(200L);
    assertThat(backoff("{}").backoffInitialMs()).as("against max's default 5s").isEqualTo(200L);
    assertThat(backoff("{initial: 50ms, max: 100ms}").backoffInitialMs()).isEqualTo(50L);
  }

  /**
   * A bound of zero is no bound to the gateway (it falls back to the bound's default, {@link
   * RoutingDefaults#cappedMillis}): the rendered defaults are what the gateway would fill in, not a
   * zero connect or first-token timeout the table would then claim.
   */
  @Test
  void aZeroBoundCapsAsTheGatewayReadsIt() {
    RoutingTable.Timeouts zeroTotal = timeouts("{total: 0s}");
    assertThat(zeroTotal.connectMs())
        .isEqualTo(RoutingDefaults.cappedMillis(RoutingDefaults.CONNECT, 0L, RoutingDefaults.TOTAL))
        .isEqualTo(2_000L);
    assertThat(zeroTotal.firstTokenMs()).isEqualTo(30_000L);
    assertThat(healthCheck("{interval: 0s}").timeoutMs()).isEqualTo(3_000L);
    assertThat(backoff("{max: 0ms}").backoffInitialMs())
        .isEqualTo(
            RoutingDefaults.cappedMillis(
                RoutingDefaults.BACKOFF_INITIAL, 0L, RoutingDefaults.BACKOFF_MAX))
        .isEqualTo(200L);
  }

  private static RoutingTable.Timeouts timeouts(String block) {
    return provider("timeouts: " + block).timeouts();
  }

  private static RoutingTable.HealthCheck healthCheck(String block) {
    return provider("healthCheck: " + block).healthCheck();
  }

  private static RoutingTable.Provider provider(String specLine) {
    ProviderEndpoint endpoint =
        read(
            """
            apiVersion: switchboard.dev/v1alpha1
            kind: ProviderEndpoint
            metadata: {name: openai-prod, namespace: ns}
            spec:
              provider: openai
              %s
            """
                .formatted(specLine),
            ProviderEndpoint.class);
    return RoutingTableRenderer.provider(endpoint, true);
  }

  private static RoutingTable.Retry backoff(String block) {
    RoutingPolicy policy =
        read(
            """
            apiVersion: switchboard.dev/v1alpha1
            kind: RoutingPolicy
            metadata: {name: default, namespace: ns}
            spec:
              retry:
                backoff: %s
            """
                .formatted(block),
            RoutingPolicy.class);
    return RoutingTableRenderer.policy(policy).retry();
  }

  private static <T> T read(String yaml, Class<T> type) {
    try {
      return YAML.readValue(yaml, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
