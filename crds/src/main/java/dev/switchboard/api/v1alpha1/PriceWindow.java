package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** Prices that apply in a recurring local time window (e.g. an off-peak discount). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.from != self.to", message = "from and to must differ")
public class PriceWindow {

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

  @JsonPropertyDescription("IANA time zone of from/to, e.g. Asia/Shanghai.")
  @Default("UTC")
  @Pattern(SchemaPatterns.TIME_ZONE)
  @Size(max = 64)
  private String timeZone;

  @JsonPropertyDescription(
      "Price of one million input tokens in the window; the list price when absent.")
  @Min(0)
  private Double inputPerMillionTokens;

  @JsonPropertyDescription(
      "Price of one million output tokens in the window; the list price when absent.")
  @Min(0)
  private Double outputPerMillionTokens;

  @JsonPropertyDescription(
      "Price of one million cached input tokens in the window; the list price when absent.")
  @Min(0)
  private Double cachedInputPerMillionTokens;

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

  public Double getInputPerMillionTokens() {
    return inputPerMillionTokens;
  }

  public void setInputPerMillionTokens(Double inputPerMillionTokens) {
    this.inputPerMillionTokens = inputPerMillionTokens;
  }

  public Double getOutputPerMillionTokens() {
    return outputPerMillionTokens;
  }

  public void setOutputPerMillionTokens(Double outputPerMillionTokens) {
    this.outputPerMillionTokens = outputPerMillionTokens;
  }

  public Double getCachedInputPerMillionTokens() {
    return cachedInputPerMillionTokens;
  }

  public void setCachedInputPerMillionTokens(Double cachedInputPerMillionTokens) {
    this.cachedInputPerMillionTokens = cachedInputPerMillionTokens;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PriceWindow)) {
      return false;
    }
    PriceWindow that = (PriceWindow) o;
    return Objects.equals(name, that.name)
        && Objects.equals(days, that.days)
        && Objects.equals(from, that.from)
        && Objects.equals(to, that.to)
        && Objects.equals(timeZone, that.timeZone)
        && Objects.equals(inputPerMillionTokens, that.inputPerMillionTokens)
        && Objects.equals(outputPerMillionTokens, that.outputPerMillionTokens)
        && Objects.equals(cachedInputPerMillionTokens, that.cachedInputPerMillionTokens);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name,
        days,
        from,
        to,
        timeZone,
        inputPerMillionTokens,
        outputPerMillionTokens,
        cachedInputPerMillionTokens);
  }

  @Override
  public String toString() {
    return "PriceWindow{name="
        + name
        + ", days="
        + days
        + ", from="
        + from
        + ", to="
        + to
        + ", timeZone="
        + timeZone
        + "}";
  }
}
