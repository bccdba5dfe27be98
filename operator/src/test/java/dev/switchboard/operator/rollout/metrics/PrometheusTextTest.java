package dev.switchboard.operator.rollout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  static String fixture() throws IOException {
    try (var in = PrometheusTextTest.class.getResourceAsStream("/metrics/gateway-scrape.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsTheGatewaysMicrometerExposition() throws IOException {
    List<PrometheusText.Sample> samples = PrometheusText.parse(fixture());

    assertThat(samples)
        .filteredOn(s -> s.name().equals("switchboard_upstream_attempts_total"))
        .extracting(s -> s.label("arm") + "=" + s.value())
        .containsExactlyInAnyOrder("canary=3.0", "stable=3.0");
    assertThat(samples)
        .filteredOn(
            s ->
                s.name().equals("gen_ai_client_operation_duration_seconds_bucket")
                    && "+Inf".equals(s.label("le")))
        .hasSize(2);
  }

  @Test
  void unescapesLabelValuesAndIgnoresTimestamps() {
    PrometheusText.Sample sample =
        PrometheusText.parseLine("m{a=\"x\\\"y\\\\z\\n\", b=\"\"} 1.5e2 1700000000000");
    assertThat(sample.labels()).isEqualTo(Map.of("a", "x\"y\\z\n", "b", ""));
    assertThat(sample.value()).isEqualTo(150.0);
  }

  @Test
  void readsSpecialValuesAndLinesWithoutLabels() {
    assertThat(PrometheusText.parseLine("up +Inf").value()).isInfinite();
    assertThat(PrometheusText.parseLine("up NaN").value()).isNaN();
    assertThat(PrometheusText.parseLine("process_cpu_seconds_total 12.25").value())
        .isCloseTo(12.25, within(1e-9));
  }

  @Test
  void skipsMalformedLinesInsteadOfFailingTheScrape() {
    List<PrometheusText.Sample> samples =
        PrometheusText.parse(
            "ok 1\nbroken{a=\"unterminated} 2\nnovalue{a=\"b\"}\n{a=\"b\"} 3\nbad value\nok2 4\n");
    assertThat(samples).extracting(PrometheusText.Sample::name).containsExactly("ok", "ok2");
  }
}
