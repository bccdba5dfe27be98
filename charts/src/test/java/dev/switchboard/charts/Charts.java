package dev.switchboard.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the chart and renders it with the real Helm library (helm-java). */
final class Charts {

  static final String RELEASE = "switchboard";
  static final String NAMESPACE = "switchboard-system";

  private Charts() {}

  static Path chartDir() {
    return Path.of(System.getProperty("switchboard.chart.dir", "switchboard"))
        .toAbsolutePath()
        .normalize();
  }

  static Path crdsDir() {
    return Path.of(System.getProperty("switchboard.crds.dir", "../crds"))
        .toAbsolutePath()
        .normalize();
  }

  static Path repoDir() {
    return Path.of(System.getProperty("switchboard.repo.dir", "..")).toAbsolutePath().normalize();
  }

  static Helm helm() {
    return new Helm(chartDir());
  }

  /** Renders the chart with its defaults. */
  static RenderedChart template() {
    return RenderedChart.parse(command().call());
  }

  /** Renders the chart with the given values YAML on top of the defaults, as {@code -f} would. */
  static RenderedChart template(Path workDir, String valuesYaml) {
    return RenderedChart.parse(templateRaw(workDir, valuesYaml));
  }

  /** Renders to text; fails the way {@code helm template -f values.yaml} fails. */
  static String templateRaw(Path workDir, String valuesYaml) {
    try {
      Path values = Files.createTempFile(workDir, "values-", ".yaml");
      Files.writeString(values, valuesYaml);
      return command().withValuesFile(values).call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static TemplateCommand command() {
    return helm().template().withName(RELEASE).withNamespace(NAMESPACE);
  }
}
