package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Where the runbook entries of an evaluation are written. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EvaluationReport {

  @JsonPropertyDescription(
      "ConfigMap (in the route's namespace) holding one Markdown entry per route and evaluation."
          + " Not one the operator owns: switchboard-routing (and its shards"
          + " switchboard-routing-<n>), switchboard-evaluations, switchboard-drift-<policy>.")
  @Default("switchboard-runbook")
  @Pattern(SchemaPatterns.DNS_SUBDOMAIN)
  @Size(max = 253)
  // The entry is added as a key: the operator would overwrite it in the routing table, its shards
  // and the drift baselines, and mix it with the evaluations' state.
  @ValidationRule(
      value = "!self.matches('^switchboard-(routing(-[0-9]+)?|evaluations|drift-.+)$')",
      message =
          "configMapName must not name a ConfigMap the operator owns (switchboard-routing,"
              + " switchboard-routing-<n>, switchboard-evaluations, switchboard-drift-<policy>)")
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
