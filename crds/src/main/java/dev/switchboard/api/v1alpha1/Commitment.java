package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Prepaid committed-use capacity per calendar month (UTC). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.tokensPerMonth) != has(self.spendPerMonth)",
    message = "a commitment gives tokensPerMonth or spendPerMonth, not both")
public class Commitment {

  @JsonPropertyDescription("Tokens (input plus output) prepaid per month.")
  @Min(1)
  private Long tokensPerMonth;

  @JsonPropertyDescription(
      "Usage prepaid per month, valued at the serving model's prices, in their currency.")
  @Min(0)
  private Double spendPerMonth;

  public Long getTokensPerMonth() {
    return tokensPerMonth;
  }

  public void setTokensPerMonth(Long tokensPerMonth) {
    this.tokensPerMonth = tokensPerMonth;
  }

  public Double getSpendPerMonth() {
    return spendPerMonth;
  }

  public void setSpendPerMonth(Double spendPerMonth) {
    this.spendPerMonth = spendPerMonth;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Commitment that
        && Objects.equals(tokensPerMonth, that.tokensPerMonth)
        && Objects.equals(spendPerMonth, that.spendPerMonth);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tokensPerMonth, spendPerMonth);
  }

  @Override
  public String toString() {
    return "Commitment{tokensPerMonth=" + tokensPerMonth + ", spendPerMonth=" + spendPerMonth + "}";
  }
}
