package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Replaces the generated part of {@code BENCHMARKS.md} (between its two marker comments) with the
 * latest results, keeping the hand-written analysis around it.
 */
public final class BenchmarksMarkdown {

  static final String START = "<!-- bench:results:start -->";
  static final String END = "<!-- bench:results:end -->";

  private BenchmarksMarkdown() {}

  /** Writes {@code results} between the markers of {@code file}, creating it when absent. */
  public static void update(Path file, String results) throws IOException {
    String block = START + "\n" + results + END;
    if (!Files.exists(file)) {
      Files.writeString(file, "# Benchmarks\n\n" + block + "\n");
      return;
    }
    String text = Files.readString(file);
    int start = text.indexOf(START);
    int end = text.indexOf(END);
    String updated;
    if (start >= 0 && end > start) {
      updated = text.substring(0, start) + block + text.substring(end + END.length());
    } else {
      updated = text + (text.endsWith("\n") ? "\n" : "\n\n") + block + "\n";
    }
    Files.writeString(file, updated);
  }
}
