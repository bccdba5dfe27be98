package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** How much of one prepaid commitment the gateways have used this month. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CommitmentStatus {

  @JsonPropertyDescription(
      "The model whose pricing.commitment this is; absent for the endpoint's own commitment.")
  private String model;

  @JsonPropertyDescription("What the commitment counts: tokens (input plus output) or spend.")
  private String unit;

  @JsonPropertyDescription("The commitment's size per month, in its unit.")
  private Double amount;

  @JsonPropertyDescription(
      "Used this month, in its unit: from the shared state store when the gateways have one,"
          + " else the sum of what each replica counted.")
  private Double used;

  @JsonPropertyDescription(
      "The month's use projected to its end at the pace so far (linear over the month).")
  private Double projectedMonthEnd;

  @JsonPropertyDescription("The calendar month (UTC) the figures count, as YYYY-MM.")
  private String month;

  @JsonPropertyDescription("When the figures were read from the gateways (RFC 3339).")
  private String observedAt;

  public String getModel() {
    return model;
  }

  public void setModel(String model) {
    this.model = model;
  }

  public String getUnit() {
    return unit;
  }

  public void setUnit(String unit) {
    this.unit = unit;
  }

  public Double getAmount() {
    return amount;
  }

  public void setAmount(Double amount) {
    this.amount = amount;
  }

  public Double getUsed() {
    return used;
  }

  public void setUsed(Double used) {
    this.used = used;
  }

  public Double getProjectedMonthEnd() {
    return projectedMonthEnd;
  }

  public void setProjectedMonthEnd(Double projectedMonthEnd) {
    this.projectedMonthEnd = projectedMonthEnd;
  }

  public String getMonth() {
    return month;
  }

  public void setMonth(String month) {
    this.month = month;
  }

  public String getObservedAt() {
    return observedAt;
  }

  public void setObservedAt(String observedAt) {
    this.observedAt = observedAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CommitmentStatus that
        && Objects.equals(model, that.model)
        && Objects.equals(unit, that.unit)
        && Objects.equals(amount, that.amount)
        && Objects.equals(used, that.used)
        && Objects.equals(projectedMonthEnd, that.projectedMonthEnd)
        && Objects.equals(month, that.month)
        && Objects.equals(observedAt, that.observedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, unit, amount, used, projectedMonthEnd, month, observedAt);
  }

  @Override
  public String toString() {
    return "CommitmentStatus{model="
        + model
        + ", unit="
        + unit
        + ", amount="
        + amount
        + ", used="
        + used
        + ", projectedMonthEnd="
        + projectedMonthEnd
        + ", month="
        + month
        + ", observedAt="
        + observedAt
        + "}";
  }
}
