package dev.switchboard.kubemock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code kubectl get mr,pe,rp} against the embedded API prints the CRDs' printer columns,
 * as the README promises (before: NAME and AGE only). Skipped where {@code /usr/bin/kubectl} is
 * absent.
 */
class KubectlTableIT {

  private static final Path KUBECTL = Path.of("/usr/bin/kubectl");

  @TempDir Path dir;
  private EmbeddedKubernetesApi api;
  private Path kubeconfig;

  @BeforeEach
  void start() {
    Assumptions.assumeTrue(
        Files.isExecutable(KUBECTL), "skipped: no kubectl at " + KUBECTL + " to run against");
    api = EmbeddedKubernetesApi.start();
    SwitchboardResources.create(api);
    kubeconfig = dir.resolve("kubeconfig");
    api.writeKubeconfig(kubeconfig);
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void getPrintsThePrinterColumnsOfEachKind() throws Exception {
    List<String> lines = kubectl("get", "mr,pe,rp");

    assertThat(lines)
        .anySatisfy(
            line ->
                assertThat(line.split("\\s+"))
                    .containsExactly("NAME", "MODEL", "CANARY", "READY", "PHASE", "AGE"))
        .anySatisfy(
            line ->
                assertThat(line.split("\\s+"))
                    .startsWith("modelroute.switchboard.dev/chat")
                    .containsSubsequence("chat-default", "5", "True", "Progressing")
                    .satisfies(
                        cells -> assertThat(cells[cells.length - 1]).matches("\\d+[smhd].*")));
    assertThat(lines)
        .anySatisfy(
            line ->
                assertThat(line.split("\\s+"))
                    .containsExactly("NAME", "PROVIDER", "HEALTHY", "READY", "AGE"))
        .anySatisfy(
            line ->
                assertThat(line.split("\\s+"))
                    .startsWith("providerendpoint.switchboard.dev/openai")
                    .containsSubsequence("openai", "True", "False")
                    .satisfies(
                        cells -> assertThat(cells[cells.length - 1]).matches("\\d+[smhd].*")))
        .anySatisfy(
            line ->
                assertThat(line.split("\\s+"))
                    .containsExactly("NAME", "STRATEGY", "ENFORCED", "READY", "AGE"))
        .anySatisfy(
            line ->
                assertThat(line.trim().split("\\s+"))
                    // No status yet: the ENFORCED and READY cells are empty, AGE follows.
                    .startsWith("routingpolicy.switchboard.dev/standard", "priority")
                    .hasSize(3));
  }

  @Test
  void wideOutputAddsThePriorityOneColumns() throws Exception {
    List<String> lines = kubectl("get", "modelroutes", "-o", "wide");

    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("NAME", "MODEL", "POLICY", "CANARY", "READY", "PHASE", "AGE");
    assertThat(lines.get(1).split("\\s+"))
        .startsWith("chat", "chat-default", "standard", "5", "True", "Progressing")
        .hasSize(7);
  }

  private List<String> kubectl(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    Path output = dir.resolve("kubectl.out");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("kubectl finished").isTrue();
    } finally {
      process.destroyForcibly();
    }
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("kubectl exit code; it printed:%n%s", printed).isZero();
    return printed.lines().toList();
  }
}
