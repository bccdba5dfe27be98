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

/** List prices of a model, per million tokens. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Pricing {

  @JsonPropertyDescription("Price of one million input (prompt) tokens.")
  @Required
  @Min(0)
  private Double inputPerMillionTokens;

  @JsonPropertyDescription("Price of one million output (completion) tokens.")
  @Required
  @Min(0)
  private Double outputPerMillionTokens;

  @JsonPropertyDescription(
      "Price of one million cached input tokens; the input price applies when absent.")
  @Min(0)
  private Double cachedInputPerMillionTokens;

  @JsonPropertyDescription(
      "Price of one million input tokens written to the provider's prompt cache (Anthropic's"
          + " cache_creation_input_tokens, billed above the input price); the input price applies"
          + " when absent.")
  @Min(0)
  private Double cacheWriteInputPerMillionTokens;

  @JsonPropertyDescription("ISO 4217 currency code of the prices.")
  @Default("USD")
  @Size(min = 3, max = 3)
  @Pattern(SchemaPatterns.CURRENCY)
  private String currency;

  @JsonPropertyDescription(
      "Time-of-day prices (e.g. off-peak discounts) on the gateway's clock; windows must not"
          + " overlap.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(w, self.exists_one(v, v.name == w.name))",
      message = "price window names must be unique")
  private List<PriceWindow> windows;

  @JsonPropertyDescription(
      "Prepaid committed-use capacity: least-cost and cost-latency treat this model as free until"
          + " the month's use reaches it, then use its prices.")
  private Commitment commitment;

  public Commitment getCommitment() {
    return commitment;
  }

  public void setCommitment(Commitment commitment) {
    this.commitment = commitment;
  }

  public List<PriceWindow> getWindows() {
    return windows;
  }

  public void setWindows(List<PriceWindow> windows) {
    this.windows = windows;
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

  public Double getCacheWriteInputPerMillionTokens() {
    return cacheWriteInputPerMillionTokens;
  }

  public void setCacheWriteInputPerMillionTokens(Double cacheWriteInputPerMillionTokens) {
    this.cacheWriteInputPerMillionTokens = cacheWriteInputPerMillionTokens;
  }

  public String getCurrency() {
    return currency;
  }

  public void setCurrency(String currency) {
    this.currency = currency;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Pricing)) {
      return false;
    }
    Pricing that = (Pricing) o;
    return Objects.equals(inputPerMillionTokens, that.inputPerMillionTokens)
        && Objects.equals(outputPerMillionTokens, that.outputPerMillionTokens)
        && Objects.equals(cachedInputPerMillionTokens, that.cachedInputPerMillionTokens)
        && Objects.equals(cacheWriteInputPerMillionTokens, that.cacheWriteInputPerMillionTokens)
        && Objects.equals(currency, that.currency)
        && Objects.equals(windows, that.windows)
        && Objects.equals(commitment, that.commitment);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        inputPerMillionTokens,
        outputPerMillionTokens,
        cachedInputPerMillionTokens,
        cacheWriteInputPerMillionTokens,
        currency,
        windows,
        commitment);
  }

  @Override
  public String toString() {
    return "Pricing{"
        + "inputPerMillionTokens="
        + inputPerMillionTokens
        + ", outputPerMillionTokens="
        + outputPerMillionTokens
        + ", cachedInputPerMillionTokens="
        + cachedInputPerMillionTokens
        + ", cacheWriteInputPerMillionTokens="
        + cacheWriteInputPerMillionTokens
        + ", currency="
        + currency
        + "}";
  }
}
