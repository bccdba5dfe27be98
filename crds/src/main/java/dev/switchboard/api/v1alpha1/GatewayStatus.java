package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The routing table the gateway replicas have loaded. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewayStatus {

  @JsonPropertyDescription("Config version (sha256:...) of the rendered routing table.")
  private String configVersion;

  @JsonPropertyDescription("Gateway replicas serving this config version.")
  private Integer replicasReady;

  @JsonPropertyDescription("Gateway replicas in total.")
  private Integer replicasTotal;

  public String getConfigVersion() {
    return configVersion;
  }

  public void setConfigVersion(String configVersion) {
    this.configVersion = configVersion;
  }

  public Integer getReplicasReady() {
    return replicasReady;
  }

  public void setReplicasReady(Integer replicasReady) {
    this.replicasReady = replicasReady;
  }

  public Integer getReplicasTotal() {
    return replicasTotal;
  }

  public void setReplicasTotal(Integer replicasTotal) {
    this.replicasTotal = replicasTotal;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof GatewayStatus)) {
      return false;
    }
    GatewayStatus that = (GatewayStatus) o;
    return Objects.equals(configVersion, that.configVersion)
        && Objects.equals(replicasReady, that.replicasReady)
        && Objects.equals(replicasTotal, that.replicasTotal);
  }

  @Override
  public int hashCode() {
    return Objects.hash(configVersion, replicasReady, replicasTotal);
  }

  @Override
  public String toString() {
    return "GatewayStatus{"
        + "configVersion="
        + configVersion
        + ", replicasReady="
        + replicasReady
        + ", replicasTotal="
        + replicasTotal
        + "}";
  }
}
