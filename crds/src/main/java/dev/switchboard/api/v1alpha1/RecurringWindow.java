package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/**
 * The fields every recurring local time window shares ({@link ScheduleWindow}, {@link
 * PriceWindow}): a name, the days it starts on, a local start and end time and their time zone. The
 * routing contract's {@code TimeWindow} gives them their meaning; each subclass adds what applies
 * inside the window and carries the class-level rule that {@code from} and {@code to} differ.
 */
public abstract class RecurringWindow {

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

  /** Whether {@code that} has the same window fields (for the subclasses' {@code equals}). */
  protected final boolean sameWindow(RecurringWindow that) {
    return Objects.equals(name, that.name)
        && Objects.equals(days, that.days)
        && Objects.equals(from, that.from)
        && Objects.equals(to, that.to)
        && Objects.equals(timeZone, that.timeZone);
  }

  /** The window fields' hash, combined with the subclass's own fields. */
  protected final int windowHash(Object... own) {
    return 31 * Objects.hash(name, days, from, to, timeZone) + Objects.hash(own);
  }

  /** {@code name=…, days=…, from=…, to=…, timeZone=…} for the subclasses' {@code toString}. */
  protected final String windowFields() {
    return "name="
        + name
        + ", days="
        + days
        + ", from="
        + from
        + ", to="
        + to
        + ", timeZone="
        + timeZone;
  }
}
