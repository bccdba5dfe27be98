package dev.switchboard.operator.rollout.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parser of the Prometheus text exposition format (version 0.0.4), the format the gateway's
 * {@code /metrics} answers with. Comments ({@code # HELP}, {@code # TYPE}) are skipped; every
 * sample line becomes a {@link Sample}. Lines that cannot be parsed are skipped rather than failing
 * the whole scrape, so one odd metric cannot blind canary analysis.
 */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * One sample: metric name (with its {@code _bucket}/{@code _count}/... suffix), labels, value.
   */
  public record Sample(String name, Map<String, String> labels, double value) {
    public Sample {
      labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    public String label(String name) {
      return labels.get(name);
    }
  }

  public static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Sample sample = parseLine(line);
      if (sample != null) {
        samples.add(sample);
      }
    }
    return samples;
  }

  /** Parses one sample line, or returns null when it is malformed. */
  static Sample parseLine(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && isNameChar(line.charAt(i), i == 0)) {
      i++;
    }
    if (i == 0) {
      return null;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new TreeMap<>();
    if (i < n && line.charAt(i) == '{') {
      i++;
      while (true) {
        while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == ',')) {
          i++;
        }
        if (i >= n) {
          return null;
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int start = i;
        while (i < n && line.charAt(i) != '=' && line.charAt(i) != ' ') {
          i++;
        }
        String label = line.substring(start, i).strip();
        while (i < n && line.charAt(i) == ' ') {
          i++;
        }
        if (i + 1 >= n || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
          return null;
        }
        i += 2;
        StringBuilder value = new StringBuilder();
        boolean closed = false;
        while (i < n) {
          char c = line.charAt(i++);
          if (c == '\\' && i < n) {
            char escaped = line.charAt(i++);
            value.append(escaped == 'n' ? '\n' : escaped);
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed || label.isEmpty()) {
          return null;
        }
        labels.put(label, value.toString());
      }
    }
    String rest = line.substring(i).strip();
    if (rest.isEmpty()) {
      return null;
    }
    // An optional timestamp may follow the value.
    String valueText = rest.split("\\s+")[0];
    Double value = parseValue(valueText);
    return value == null ? null : new Sample(name, labels, value);
  }

  private static Double parseValue(String text) {
    switch (text) {
      case "+Inf", "Inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-Inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "NaN" -> {
        return Double.NaN;
      }
      default -> {
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          return null;
        }
      }
    }
  }

  private static boolean isNameChar(char c, boolean first) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || c == '_'
        || c == ':'
        || (!first && c >= '0' && c <= '9');
  }
}
