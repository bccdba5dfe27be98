package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.BodyLogging;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** What is logged about requests; API keys are never logged. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoggingSpec {

  @JsonPropertyDescription("Request/response bodies in logs: none, metadata or full (opt-in).")
  @Default("none")
  @SchemaFrom(type = BodyLogging.class)
  private String bodies;

  public String getBodies() {
    return bodies;
  }

  public void setBodies(String bodies) {
    this.bodies = bodies;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LoggingSpec)) {
      return false;
    }
    LoggingSpec that = (LoggingSpec) o;
    return Objects.equals(bodies, that.bodies);
  }

  @Override
  public int hashCode() {
    return Objects.hash(bodies);
  }

  @Override
  public String toString() {
    return "LoggingSpec{" + "bodies=" + bodies + "}";
  }
}
