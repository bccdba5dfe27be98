package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code frontdoors} scenario for a few seconds in process: every path (chat, Responses passed
 * through and bridged, Gemini translated, and their direct baselines) answers and every stream
 * arrives whole, so the figures it reports are about real answers. No timings are asserted.
 */
class FrontDoorBenchSmokeTest {

  @TempDir Path out;

  @Test
  void everyFrontDoorPathAnswersAndEveryStreamCompletes() throws Exception {
    BenchSettings settings =
        BenchSettings.smoke(out.resolve("bench")).withScenarios(Set.of("frontdoors"));

    Report report = new BenchSuite(settings, System.out::println).run();

    for (String path :
        new String[] {
          "gateway chat → openai",
          "gateway responses → openai (pass-through)",
          "gateway chat → gemini (translated)"
        }) {
      assertThat(report.figure(BenchSuite.FRONT_DOORS, path + ": throughput c=4"))
          .as(path)
          .hasValueSatisfying(
              f -> {
                assertThat(f.value()).isPositive();
                assertThat(f.baseline()).isPositive();
              });
    }
    // Errors and incomplete streams are goals; every one of them holds in a smoke run.
    assertThat(report.goals())
        .filteredOn(g -> g.goal().startsWith("0 errors") || g.goal().startsWith("every stream"))
        .hasSize(7)
        .allSatisfy(g -> assertThat(g.pass()).as(g.goal() + ": " + g.margin()).isTrue());
  }
}
