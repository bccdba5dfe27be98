package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** Where the runbook entries of an evaluation are written. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationReport {

  @JsonPropertyDescription(
      "ConfigMap (in the route's namespace) holding one Markdown entry per route and evaluation.")
  @Default("switchboard-runbook")
  @Pattern(SchemaPatterns.DNS_SUBDOMAIN)
  @Size(max = 253)
  private String configMapName;

  public String getConfigMapName() {
    return configMapName;
  }

  public void setConfigMapName(String configMapName) {
    this.configMapName = configMapName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationReport that && Objects.equals(configMapName, that.configMapName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(configMapName);
  }

  @Override
  public String toString() {
    return "EvaluationReport{" + "configMapName=" + configMapName + "}";
  }
}
