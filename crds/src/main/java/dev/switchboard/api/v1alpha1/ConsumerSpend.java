package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** What a consumer has spent, as the gateway replicas report it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConsumerSpend {

  @JsonPropertyDescription("Spent today (UTC day), from settled requests.")
  private Double today;

  @JsonPropertyDescription("Spent this UTC calendar month.")
  private Double month;

  @JsonPropertyDescription("Currency of the figures (always USD).")
  private String currency;

  @JsonPropertyDescription("When the figures were read from the gateways (RFC 3339).")
  private String updatedAt;

  public Double getToday() {
    return today;
  }

  public void setToday(Double today) {
    this.today = today;
  }

  public Double getMonth() {
    return month;
  }

  public void setMonth(Double month) {
    this.month = month;
  }

  public String getCurrency() {
    return currency;
  }

  public void setCurrency(String currency) {
    this.currency = currency;
  }

  public String getUpdatedAt() {
    return updatedAt;
  }

  public void setUpdatedAt(String updatedAt) {
    this.updatedAt = updatedAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsumerSpend that
        && Objects.equals(today, that.today)
        && Objects.equals(month, that.month)
        && Objects.equals(currency, that.currency)
        && Objects.equals(updatedAt, that.updatedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(today, month, currency, updatedAt);
  }

  @Override
  public String toString() {
    return "ConsumerSpend{today="
        + today
        + ", month="
        + month
        + ", currency="
        + currency
        + ", updatedAt="
        + updatedAt
        + "}";
  }
}
