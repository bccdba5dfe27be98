package dev.switchboard.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRD YAML committed for {@code kubectl apply -f crds/} and for the Helm chart must be what the
 * Java types generate; otherwise users install a schema the operator was not built against.
 */
class CommittedCrdsTest {

  private static final String REFRESH_HINT =
      "the committed CRD YAML is stale; refresh it with "
          + "`mvn -B -pl crds clean process-classes -Dcrds.refresh` and commit crds/*.yml and "
          + "charts/switchboard/crds/*.yml";

  /** Surefire runs in the module folder, which is also the repo's crds/ folder. */
  @ParameterizedTest
  @ValueSource(strings = {".", "../charts/switchboard/crds"})
  void committedCopiesMatchTheGeneratedYaml(String folder) throws IOException {
    Path dir = Path.of(folder);
    for (String fileName : GeneratedCrds.FILE_NAMES) {
      Path committed = dir.resolve(fileName);
      assertThat(committed).as(REFRESH_HINT).exists();
      String difference =
          firstDifference(
              Files.readString(committed, StandardCharsets.UTF_8), GeneratedCrds.text(fileName));
      assertThat(difference).as("%s: %s", committed, REFRESH_HINT).isNull();
    }
  }

  /** The first differing line, so a failure shows what changed rather than two whole files. */
  private static String firstDifference(String committed, String generated) {
    List<String> a = committed.lines().toList();
    List<String> b = generated.lines().toList();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      String left = i < a.size() ? a.get(i) : "<end of file>";
      String right = i < b.size() ? b.get(i) : "<end of file>";
      if (!left.equals(right)) {
        return "line " + (i + 1) + ": committed [" + left + "] generated [" + right + "]";
      }
    }
    return committed.equals(generated) ? null : "line endings differ";
  }

  @ParameterizedTest
  @ValueSource(strings = {".", "../charts/switchboard/crds"})
  void noLeftoverCrdFilesOfRemovedKinds(String folder) throws IOException {
    try (Stream<Path> files = Files.list(Path.of(folder))) {
      List<String> crdFiles =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".switchboard.dev-v1.yml"))
              .sorted()
              .toList();
      assertThat(crdFiles).as(REFRESH_HINT).isEqualTo(GeneratedCrds.FILE_NAMES);
    }
  }
}
