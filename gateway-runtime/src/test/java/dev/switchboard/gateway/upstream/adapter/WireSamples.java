package dev.switchboard.gateway.upstream.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Recorded provider answers in {@code src/test/resources/wire}. */
final class WireSamples {

  private WireSamples() {}

  static String text(String name) {
    try (InputStream in = WireSamples.class.getResourceAsStream("/wire/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no wire sample " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code data:} payloads of a recorded SSE stream, in order. */
  static List<String> events(String name) {
    List<String> out = new ArrayList<>();
    for (String block : text(name).split("\n\n")) {
      String line = block.strip();
      if (line.startsWith("data: ")) {
        out.add(line.substring("data: ".length()));
      }
    }
    return out;
  }
}
