package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** What a consumer may spend, in USD per UTC day and month. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConsumerBudget {

  @JsonPropertyDescription(
      "USD per UTC day; requests beyond it are answered 429 insufficient_quota. Absent: no limit.")
  @Min(0)
  private Double usdPerDay;

  @JsonPropertyDescription("USD per UTC calendar month. Absent: no limit.")
  @Min(0)
  private Double usdPerMonth;

  public Double getUsdPerDay() {
    return usdPerDay;
  }

  public void setUsdPerDay(Double usdPerDay) {
    this.usdPerDay = usdPerDay;
  }

  public Double getUsdPerMonth() {
    return usdPerMonth;
  }

  public void setUsdPerMonth(Double usdPerMonth) {
    this.usdPerMonth = usdPerMonth;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsumerBudget that
        && Objects.equals(usdPerDay, that.usdPerDay)
        && Objects.equals(usdPerMonth, that.usdPerMonth);
  }

  @Override
  public int hashCode() {
    return Objects.hash(usdPerDay, usdPerMonth);
  }

  @Override
  public String toString() {
    return "ConsumerBudget{usdPerDay=" + usdPerDay + ", usdPerMonth=" + usdPerMonth + "}";
  }
}
