package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.refusal.RefusalDetector;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What text-refusal detection costs per answer: {@link RefusalDetector#isRefusal} over the labelled
 * answers its accuracy tests use (warmed up), as this thread's CPU time — less distorted than wall
 * time on a shared machine — and wall time. The figure quoted in gateway-runtime's README.
 *
 * <p>From the repository's root: {@code java -cp bench/target/switchboard-bench.jar
 * dev.switchboard.bench.RefusalDetectorBench [labelled.jsonl] [rounds]}.
 */
public final class RefusalDetectorBench {

  static final Path LABELLED =
      Path.of("gateway-runtime/src/test/resources/refusal/refusal-labelled.jsonl");

  private RefusalDetectorBench() {}

  public static void main(String[] args) throws Exception {
    Path file = args.length > 0 ? Path.of(args[0]) : LABELLED;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    List<String> texts = texts(file);
    RefusalDetector detector = RefusalDetector.standard();
    long refusals = 0;
    for (int i = 0; i < rounds; i++) { // warm-up
      for (String t : texts) {
        refusals += detector.isRefusal(t) ? 1 : 0;
      }
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu = threads.getCurrentThreadCpuTime();
    long wall = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      for (String t : texts) {
        refusals += detector.isRefusal(t) ? 1 : 0;
      }
    }
    double calls = (double) rounds * texts.size();
    System.out.printf(
        "RefusalDetector: %.0f ns CPU (%.0f ns wall) per answer, mean over %d labelled answers x"
            + " %d rounds (%d refusals found per round)%n",
        (threads.getCurrentThreadCpuTime() - cpu) / calls,
        (System.nanoTime() - wall) / calls,
        texts.size(),
        rounds,
        refusals / (2L * rounds));
  }

  /** The answers' texts, one JSON object per line with a {@code text} field. */
  static List<String> texts(Path file) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        JsonNode n = json.readTree(line);
        out.add(n.get("text").asText());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no labelled answers");
    }
    return out;
  }
}
