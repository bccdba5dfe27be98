package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** A model the provider serves, with its capabilities, price and lifecycle. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProviderModel {

  @JsonPropertyDescription("The provider's model id, e.g. gpt-4o-2024-08-06.")
  @Required
  @Pattern(SchemaPatterns.MODEL_ID)
  @Size(min = 1, max = 256)
  private String name;

  @JsonPropertyDescription(
      "What the model can do: chat, completions, embeddings, tools, vision, json, reasoning.")
  @Size(max = 7)
  @ValidationRule(
      value = "self.all(c, self.exists_one(d, d == c))",
      message = "capabilities must be unique")
  private List<@Pattern(SchemaPatterns.CAPABILITY) @Size(max = 16) String> capabilities;

  @JsonPropertyDescription("Context window in tokens.")
  @Min(1)
  private Long contextWindow;

  @JsonPropertyDescription("List prices; used for cost accounting and cost-aware routing.")
  private Pricing pricing;

  @JsonPropertyDescription("Deprecation and retirement dates.")
  private ModelLifecycle lifecycle;

  @JsonPropertyDescription(
      "In-flight requests to this model, beside the endpoint's maxConcurrency (both apply);"
          + " counted per gateway replica or globally, as the endpoint's concurrencyScope says.")
  @Min(1)
  private Integer maxConcurrency;

  public Integer getMaxConcurrency() {
    return maxConcurrency;
  }

  public void setMaxConcurrency(Integer maxConcurrency) {
    this.maxConcurrency = maxConcurrency;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<String> getCapabilities() {
    return capabilities;
  }

  public void setCapabilities(List<String> capabilities) {
    this.capabilities = capabilities;
  }

  public Long getContextWindow() {
    return contextWindow;
  }

  public void setContextWindow(Long contextWindow) {
    this.contextWindow = contextWindow;
  }

  public Pricing getPricing() {
    return pricing;
  }

  public void setPricing(Pricing pricing) {
    this.pricing = pricing;
  }

  public ModelLifecycle getLifecycle() {
    return lifecycle;
  }

  public void setLifecycle(ModelLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ProviderModel)) {
      return false;
    }
    ProviderModel that = (ProviderModel) o;
    return Objects.equals(name, that.name)
        && Objects.equals(capabilities, that.capabilities)
        && Objects.equals(contextWindow, that.contextWindow)
        && Objects.equals(pricing, that.pricing)
        && Objects.equals(lifecycle, that.lifecycle)
        && Objects.equals(maxConcurrency, that.maxConcurrency);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, capabilities, contextWindow, pricing, lifecycle, maxConcurrency);
  }

  @Override
  public String toString() {
    return "ProviderModel{"
        + "name="
        + name
        + ", capabilities="
        + capabilities
        + ", contextWindow="
        + contextWindow
        + ", pricing="
        + pricing
        + ", lifecycle="
        + lifecycle
        + ", maxConcurrency="
        + maxConcurrency
        + "}";
  }
}
