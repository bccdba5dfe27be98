package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Prices that apply in a recurring local time window (e.g. an off-peak discount). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.from != self.to", message = "from and to must differ")
public class PriceWindow extends RecurringWindow {

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

  @JsonPropertyDescription(
      "Price of one million input tokens written to the provider's prompt cache in the window; the"
          + " list price when absent.")
  @Min(0)
  private Double cacheWriteInputPerMillionTokens;

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

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PriceWindow that)) {
      return false;
    }
    return sameWindow(that)
        && Objects.equals(inputPerMillionTokens, that.inputPerMillionTokens)
        && Objects.equals(outputPerMillionTokens, that.outputPerMillionTokens)
        && Objects.equals(cachedInputPerMillionTokens, that.cachedInputPerMillionTokens)
        && Objects.equals(cacheWriteInputPerMillionTokens, that.cacheWriteInputPerMillionTokens);
  }

  @Override
  public int hashCode() {
    return windowHash(
        inputPerMillionTokens,
        outputPerMillionTokens,
        cachedInputPerMillionTokens,
        cacheWriteInputPerMillionTokens);
  }

  @Override
  public String toString() {
    return "PriceWindow{" + windowFields() + "}";
  }
}
