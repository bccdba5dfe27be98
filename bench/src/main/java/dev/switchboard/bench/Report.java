package dev.switchboard.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every figure of a run next to the baseline it was measured with, the goals judged against them,
 * and where they were measured; rendered as a console table, JSON and Markdown.
 */
public final class Report {

  /**
   * One measured figure.
   *
   * @param section the scenario it belongs to
   * @param name what was measured
   * @param unit its unit
   * @param value the measured value (through the gateway unless the name says otherwise)
   * @param baseline the same figure without the gateway in the same run, or null
   * @param baselineName what the baseline is ({@code direct}, {@code nginx}, ...)
   * @param note how to read it, or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Figure(
      String section,
      String name,
      String unit,
      double value,
      Double baseline,
      String baselineName,
      String note) {

    /** {@code value - baseline}, or null without a baseline. */
    public Double difference() {
      return baseline == null ? null : value - baseline;
    }
  }

  /**
   * A goal from the issue judged against a figure.
   *
   * @param goal the goal as stated
   * @param measured the measured value
   * @param limit the goal's bound
   * @param unit unit of both
   * @param higherIsBetter whether the bound is a minimum
   * @param pass whether the figure meets the goal
   * @param margin how far from the bound, in words
   */
  public record Goal(
      String goal,
      double measured,
      double limit,
      String unit,
      boolean higherIsBetter,
      boolean pass,
      String margin) {}

  private final List<Figure> figures = new ArrayList<>();
  private final List<Goal> goals = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<String, Object> machine;
  private final Map<String, Object> settings;
  private final Map<String, List<String>> profiles = new LinkedHashMap<>();

  public Report(Map<String, Object> machine, Map<String, Object> settings) {
    this.machine = new LinkedHashMap<>(machine);
    this.settings = new LinkedHashMap<>(settings);
  }

  /** Adds a figure measured against a baseline. */
  public Figure add(
      String section,
      String name,
      String unit,
      double value,
      Double baseline,
      String baselineName,
      String note) {
    Figure f = new Figure(section, name, unit, value, baseline, baselineName, note);
    figures.add(f);
    return f;
  }

  /** Adds a figure without a baseline. */
  public Figure add(String section, String name, String unit, double value, String note) {
    return add(section, name, unit, value, null, null, note);
  }

  /** Judges a goal "measured ≤ limit" (or ≥ when {@code higherIsBetter}). */
  public void goal(
      String goal, double measured, double limit, String unit, boolean higherIsBetter) {
    boolean known = !Double.isNaN(measured);
    boolean pass = known && (higherIsBetter ? measured >= limit : measured <= limit);
    String margin;
    if (!known) {
      margin = "not measured";
    } else if (pass) {
      margin = "met with " + fmt(Math.abs(limit - measured)) + " " + unit + " to spare";
    } else {
      double factor = higherIsBetter ? limit / measured : measured / limit;
      margin =
          "missed by "
              + fmt(Math.abs(measured - limit))
              + " "
              + unit
              + (Double.isFinite(factor) ? " (" + fmt(factor) + "× the bound)" : "");
    }
    goals.add(new Goal(goal, measured, limit, unit, higherIsBetter, pass, margin));
  }

  /** A remark shown under the results (skipped columns, caveats). */
  public void note(String text) {
    notes.add(text);
  }

  /** A JFR summary, titled by what was recorded. */
  public void profile(String title, List<String> lines) {
    profiles.put(title, List.copyOf(lines));
  }

  public List<Figure> figures() {
    return List.copyOf(figures);
  }

  public List<Goal> goals() {
    return List.copyOf(goals);
  }

  /** The figure named {@code name} in {@code section}, if measured. */
  public java.util.Optional<Figure> figure(String section, String name) {
    return figures.stream()
        .filter(f -> f.section().equals(section) && f.name().equals(name))
        .findFirst();
  }

  /** Writes {@code report.json}. */
  public void writeJson(Path file) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("machine", machine);
    root.put("settings", settings);
    List<Map<String, Object>> fs = new ArrayList<>();
    for (Figure f : figures) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("section", f.section());
      m.put("name", f.name());
      m.put("unit", f.unit());
      m.put("value", finite(f.value()));
      if (f.baseline() != null) {
        m.put("baseline", finite(f.baseline()));
        m.put("baselineName", f.baselineName());
        m.put("difference", finite(f.difference()));
      }
      if (f.note() != null) {
        m.put("note", f.note());
      }
      fs.add(m);
    }
    root.put("figures", fs);
    root.put("goals", goals);
    root.put("notes", notes);
    root.put("profiles", profiles);
    Files.createDirectories(file.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
  }

  /** The results as a fixed-width console table. */
  public String consoleTable() {
    StringBuilder out = new StringBuilder();
    String format = "%-22s %-44s %12s %12s %-8s %12s %s%n";
    out.append(
        String.format(
            Locale.ROOT,
            format,
            "section",
            "figure",
            "gateway",
            "baseline",
            "vs",
            "difference",
            ""));
    for (Figure f : figures) {
      out.append(
          String.format(
              Locale.ROOT,
              format,
              f.section(),
              f.name(),
              fmt(f.value()),
              f.baseline() == null ? "" : fmt(f.baseline()),
              f.baselineName() == null ? "" : f.baselineName(),
              f.difference() == null ? "" : signed(f.difference()),
              f.unit()));
    }
    out.append(System.lineSeparator()).append("Goals").append(System.lineSeparator());
    for (Goal g : goals) {
      out.append(
          String.format(
              Locale.ROOT,
              "  [%s] %s: %s %s (%s)%n",
              g.pass() ? "PASS" : "FAIL",
              g.goal(),
              fmt(g.measured()),
              g.unit(),
              g.margin()));
    }
    for (String n : notes) {
      out.append("note: ").append(n).append(System.lineSeparator());
    }
    return out.toString();
  }

  /** The results section of {@code BENCHMARKS.md}. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("### Machine\n\n");
    machine.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append("\n### Settings\n\n");
    settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append("\n### Goals\n\n| | goal | measured | margin |\n|---|---|---|---|\n");
    for (Goal g : goals) {
      md.append("| ")
          .append(g.pass() ? "PASS" : "**FAIL**")
          .append(" | ")
          .append(g.goal())
          .append(" | ")
          .append(fmt(g.measured()))
          .append(' ')
          .append(g.unit())
          .append(" | ")
          .append(g.margin())
          .append(" |\n");
    }
    String section = null;
    for (Figure f : figures) {
      if (!f.section().equals(section)) {
        section = f.section();
        md.append("\n### ")
            .append(section)
            .append("\n\n| figure | gateway | baseline | difference | unit | note |\n")
            .append("|---|---:|---:|---:|---|---|\n");
      }
      md.append("| ")
          .append(f.name())
          .append(" | ")
          .append(fmt(f.value()))
          .append(" | ")
          .append(f.baseline() == null ? "" : fmt(f.baseline()) + " (" + f.baselineName() + ")")
          .append(" | ")
          .append(f.difference() == null ? "" : signed(f.difference()))
          .append(" | ")
          .append(f.unit())
          .append(" | ")
          .append(f.note() == null ? "" : f.note())
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      md.append("\n### Notes\n\n");
      notes.forEach(n -> md.append("- ").append(n).append('\n'));
    }
    profiles.forEach(
        (title, lines) -> {
          md.append("\n### Profile: ").append(title).append("\n\n```\n");
          lines.forEach(l -> md.append(l).append('\n'));
          md.append("```\n");
        });
    return md.toString();
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String signed(double v) {
    return (v > 0 ? "+" : "") + fmt(v);
  }

  private static Object finite(Double v) {
    return v == null || v.isNaN() || v.isInfinite() ? null : v;
  }
}
