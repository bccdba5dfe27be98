package dev.switchboard.operator.modelroute;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.operator.runtime.GatewayReplicas;
import org.junit.jupiter.api.Test;

/** How a change a gateway reports reads in the route's {@code ModelVersionChanged} message. */
class ModelVersionChangesTest {

  @Test
  void aChangeSaysWhatChangedFromWhatToWhat() {
    assertThat(
            ModelVersionChanges.describe(
                new GatewayReplicas.VersionChange(
                    "p/m", "gpt-4o", "gpt-4o", "fp_a", "fp_b", 1_767_225_600L)))
        .isEqualTo("p/m: system_fingerprint fp_a → fp_b at 2026-01-01T00:00:00Z");
  }

  /**
   * A gateway labels at most eight distinct versions and fingerprints per target, the rest {@code
   * other}: a change between two such values is labelled {@code other → other} on both, and still
   * says what changed instead of nothing.
   */
  @Test
  void aChangeAmongValuesBeyondTheGatewaysBoundStillSaysSo() {
    assertThat(
            ModelVersionChanges.describe(
                new GatewayReplicas.VersionChange(
                    "p/m", "other", "other", "other", "other", 1_767_225_600L)))
        .isEqualTo("p/m: model version other → other at 2026-01-01T00:00:00Z");
  }
}
