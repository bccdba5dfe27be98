package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Strategy;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** A recurring time window in which another strategy applies. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.from != self.to", message = "from and to must differ")
public class ScheduleWindow {

  @JsonPropertyDescription("Name of the window.")
  @Required
  @Pattern(SchemaPatterns.DNS_LABEL)
  @Size(min = 1, max = 63)
  private String name;

  @JsonPropertyDescription("Days on which the window starts (Mon..Sun); every day when empty.")
  @Size(max = 7)
  @ValidationRule(
      value = "self.all(d, self.exists_one(e, e == d))",
      message = "days must be unique")
  private List<@Pattern(SchemaPatterns.WEEKDAY) @Size(max = 3) String> days;

  @JsonPropertyDescription("Local start time, HH:MM.")
  @Required
  @Pattern(SchemaPatterns.CLOCK_TIME)
  @Size(max = 5)
  private String from;

  @JsonPropertyDescription(
      "Local end time, HH:MM or 24:00 (end of the day); a window may cross midnight.")
  @Required
  @Pattern(SchemaPatterns.CLOCK_TIME_END)
  @Size(max = 5)
  private String to;

  @JsonPropertyDescription("IANA time zone of from/to, e.g. Europe/Berlin.")
  @Default("UTC")
  @Pattern(SchemaPatterns.TIME_ZONE)
  @Size(max = 64)
  private String timeZone;

  @JsonPropertyDescription("Strategy that applies inside the window.")
  @Required
  @SchemaFrom(type = Strategy.class)
  private String strategy;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<String> getDays() {
    return days;
  }

  public void setDays(List<String> days) {
    this.days = days;
  }

  public String getFrom() {
    return from;
  }

  public void setFrom(String from) {
    this.from = from;
  }

  public String getTo() {
    return to;
  }

  public void setTo(String to) {
    this.to = to;
  }

  public String getTimeZone() {
    return timeZone;
  }

  public void setTimeZone(String timeZone) {
    this.timeZone = timeZone;
  }

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
    if (!(o instanceof ScheduleWindow)) {
      return false;
    }
    ScheduleWindow that = (ScheduleWindow) o;
    return Objects.equals(name, that.name)
        && Objects.equals(days, that.days)
        && Objects.equals(from, that.from)
        && Objects.equals(to, that.to)
        && Objects.equals(timeZone, that.timeZone)
        && Objects.equals(strategy, that.strategy);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, days, from, to, timeZone, strategy);
  }

  @Override
  public String toString() {
    return "ScheduleWindow{"
        + "name="
        + name
        + ", days="
        + days
        + ", from="
        + from
        + ", to="
        + to
        + ", timeZone="
        + timeZone
        + ", strategy="
        + strategy
        + "}";
  }
}
