package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the harness end to end for a few seconds with tiny counts, gateway and upstream in process:
 * proves the load generator, the stream probe, the report and the chart work. No timings are
 * asserted; figures on a loaded CI machine mean nothing.
 */
class BenchSmokeTest {

  @TempDir Path out;

  @Test
  void smokeRunMeasuresEveryPathAndWritesTheReport() throws Exception {
    Path markdown = out.resolve("BENCHMARKS.md");
    Files.writeString(
        markdown,
        "# Benchmarks\n\nhand-written intro\n\n"
            + BenchmarksMarkdown.START
            + "\nold results\n"
            + BenchmarksMarkdown.END
            + "\n\nhand-written analysis\n");
    BenchSettings settings = BenchSettings.smoke(out.resolve("bench")).withMarkdown(markdown);

    long t0 = System.nanoTime();
    Report report =
        new BenchSuite(
                settings,
                line ->
                    System.out.printf("%6d ms %s%n", (System.nanoTime() - t0) / 1_000_000, line))
            .run();

    // Every request through the gateway and directly succeeded: the harness measures real answers.
    assertThat(report.figure(BenchSuite.OVERHEAD, "errors c=4"))
        .hasValueSatisfying(f -> assertThat(f.value()).isZero());
    assertThat(report.figure(BenchSuite.OVERHEAD, "throughput c=4"))
        .hasValueSatisfying(
            f -> {
              assertThat(f.value()).isPositive();
              assertThat(f.baseline()).isPositive();
            });
    // The realistic configuration (consumer key, rate limit, exact-cache miss, cost-latency; in
    // memory and with a real redis-server) answered every request.
    assertThat(report.goals())
        .filteredOn(g -> g.goal().startsWith("0 errors, realistic"))
        .singleElement()
        .satisfies(g -> assertThat(g.measured()).isZero());
    assertThat(
            report.figure(RealisticConfigBench.SECTION, "gateway realistic + redis throughput c=4"))
        .hasValueSatisfying(f -> assertThat(f.value()).isPositive());
    // Streams through the gateway arrived whole: every stream delivered its chunks.
    assertThat(report.figure(BenchSuite.STREAMING, "complete streams (2 streams)"))
        .hasValueSatisfying(
            f -> {
              assertThat(f.value()).isPositive();
              assertThat(f.baseline()).isPositive();
            });
    assertThat(report.figure(BenchSuite.STREAMING, "complete streams (4 at once)"))
        .hasValueSatisfying(f -> assertThat(f.value()).isEqualTo(4));
    assertThat(report.figure(BenchSuite.REALISTIC, "success rate (8 in flight)"))
        .hasValueSatisfying(f -> assertThat(f.value()).isEqualTo(100.0));

    JsonNode json = new ObjectMapper().readTree(out.resolve("bench/report.json").toFile());
    assertThat(json.path("machine").path("nproc").asInt()).isPositive();
    assertThat(json.path("figures")).isNotEmpty();
    assertThat(json.path("figures").get(0).has("baseline")).isTrue();
    assertThat(json.path("goals")).isNotEmpty();
    assertThat(out.resolve("bench/latency.png")).isNotEmptyFile();
    assertThat(out.resolve("docs/bench-latency.png")).isNotEmptyFile();

    String updated = Files.readString(markdown);
    assertThat(updated)
        .contains("hand-written intro", "hand-written analysis", "### Goals")
        .doesNotContain("old results");
  }
}
