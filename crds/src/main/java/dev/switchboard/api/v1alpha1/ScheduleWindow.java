package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Strategy;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** A recurring time window in which another strategy applies. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.from != self.to", message = "from and to must differ")
public class ScheduleWindow extends RecurringWindow {

  @JsonPropertyDescription("Strategy that applies inside the window.")
  @Required
  @SchemaFrom(type = Strategy.class)
  private String strategy;

  public String getStrategy() {
    return strategy;
  }

  public void setStrategy(String strategy) {
    this.strategy = strategy;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ScheduleWindow that)) {
      return false;
    }
    return sameWindow(that) && Objects.equals(strategy, that.strategy);
  }

  @Override
  public int hashCode() {
    return windowHash(strategy);
  }

  @Override
  public String toString() {
    return "ScheduleWindow{" + windowFields() + ", strategy=" + strategy + "}";
  }
}
