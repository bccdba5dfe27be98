package dev.switchboard.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The operator's packages form layers: validation and rendering below the reconcilers that use
 * them, so each can be read and tested on its own. Read from the sources (no extra library).
 */
class PackageCyclesTest {

  private static final Path SOURCES = Path.of("src/main/java/dev/switchboard/operator");
  private static final Pattern REFERENCE =
      Pattern.compile("\\bdev\\.switchboard\\.operator\\.([a-z.]+)\\.[A-Z]");

  @Test
  void packagesHaveNoCycles() throws IOException {
    Map<String, Set<String>> graph = packageGraph();
    assertThat(graph).containsKeys("render", "modelroute", "status");
    for (String start : graph.keySet()) {
      assertThat(pathBack(graph, start, start, new TreeSet<>()))
          .as("a package cycle through %s", start)
          .isEmpty();
    }
  }

  @Test
  void renderingDependsOnNeitherReconcilersNorPublishing() throws IOException {
    assertThat(packageGraph().get("render"))
        .doesNotContain("modelroute", "publish", "runtime", "rollout.metrics");
  }

  /** A path from {@code from} back to {@code target}, empty when there is none. */
  private static List<String> pathBack(
      Map<String, Set<String>> graph, String from, String target, Set<String> seen) {
    for (String next : graph.getOrDefault(from, Set.of())) {
      if (next.equals(target)) {
        return List.of(from, next);
      }
      if (seen.add(next)) {
        List<String> rest = pathBack(graph, next, target, seen);
        if (!rest.isEmpty()) {
          List<String> path = new ArrayList<>(List.of(from));
          path.addAll(rest);
          return path;
        }
      }
    }
    return List.of();
  }

  private static Map<String, Set<String>> packageGraph() throws IOException {
    Map<String, Set<String>> graph = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
        Set<String> uses = graph.computeIfAbsent(pkg, p -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            uses.add(m.group(1));
          }
        }
      }
    }
    return graph;
  }
}
