package dev.switchboard.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

/** {@code helm lint} over the chart, strict mode. */
class ChartLintTest {

  @Test
  void chartPassesStrictLint() {
    LintResult result = Charts.helm().lint().strict().call();

    assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
  }

  @Test
  void defaultRenderContainsOperatorAndGateway() {
    RenderedChart chart = Charts.template();

    assertThat(chart.summary())
        .contains(
            "Deployment/switchboard-system/switchboard-operator",
            "Deployment/switchboard-system/switchboard-gateway",
            "Service/switchboard-system/switchboard-gateway",
            "ServiceAccount/switchboard-system/switchboard-operator",
            "ServiceAccount/switchboard-system/switchboard-gateway");
  }
}
