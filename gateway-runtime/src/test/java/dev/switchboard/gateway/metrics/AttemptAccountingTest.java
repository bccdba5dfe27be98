package dev.switchboard.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.contract.SkipReason;
import dev.switchboard.gateway.TestTables;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.time.ManualClock;
import dev.switchboard.gateway.upstream.Operation;
import io.micrometer.core.instrument.Counter;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A canary target the chain passed by counts as a failed canary attempt exactly for the skip
 * reasons {@link SkipReason#canaryAttemptOutcomes()} names: the list the chart's dashboard leaves
 * out of "Upstream attempts per request" (GrafanaDashboardTest), so the two cannot drift apart.
 */
class AttemptAccountingTest {

  private static PlannedTarget target(String arm) {
    return new PlannedTarget(
        TestTables.target("openai", "gpt-4o", 0),
        TestTables.provider("openai", "openai", "http://127.0.0.1:1/v1", true, Map.of(), null),
        arm);
  }

  @Test
  void canarySkipsAreCountedAsAttemptsForTheListedReasonsOnly() {
    GatewayMetrics metrics = new GatewayMetrics();
    AttemptAccounting accounting = new AttemptAccounting(metrics);
    RequestContext ctx =
        new RequestContext("req-1", Operation.CHAT_COMPLETIONS, new ManualClock(0));
    for (SkipReason reason : SkipReason.values()) {
      accounting.skipped(ctx, target(PlannedTarget.CANARY), reason);
      accounting.skipped(ctx, target(PlannedTarget.STABLE), reason);
    }

    Set<String> counted = new TreeSet<>();
    for (Counter c : metrics.registry().find("switchboard_upstream_attempts").counters()) {
      assertThat(c.getId().getTag("arm")).as("stable is never judged").isEqualTo("canary");
      assertThat(c.count()).isEqualTo(1.0);
      counted.add(c.getId().getTag("outcome"));
    }
    assertThat(counted).isEqualTo(new TreeSet<>(SkipReason.canaryAttemptOutcomes()));
    assertThat(counted)
        .isNotEmpty()
        .doesNotContain(SkipReason.BULKHEAD_FULL.wireName())
        .doesNotContain(SkipReason.CREDENTIALS_REJECTED.wireName());
    assertThat(Arrays.stream(SkipReason.values()).map(SkipReason::wireName))
        .doesNotHaveDuplicates();
  }
}
