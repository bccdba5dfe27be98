package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** The embedding model used by the semantic cache: a builtin one or a provider model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.builtin) != has(self.providerRef)",
    message = "set exactly one of builtin or providerRef")
@ValidationRule(
    value = "has(self.providerRef) == has(self.model)",
    message = "model is required with providerRef and only with it")
@ValidationRule(
    value = "!has(self.maxInputTokens) || has(self.providerRef)",
    message = "maxInputTokens is only for a providerRef embedder")
public class Embedder {

  @JsonPropertyDescription("A model bundled with the gateway: all-minilm-l6-v2.")
  @SchemaFrom(type = SchemaEnums.BuiltinEmbedder.class)
  private String builtin;

  @JsonPropertyDescription("ProviderEndpoint that serves the embedding model.")
  private LocalObjectRef providerRef;

  @JsonPropertyDescription("Embedding model id at providerRef.")
  @Pattern(SchemaPatterns.MODEL_ID)
  @Size(max = 256)
  private String model;

  @JsonPropertyDescription(
      "The embedding model's input limit in tokens, as its documentation or server states it"
          + " (bge-m3 8192, nomic-embed-text 8192, all-minilm 256). The gateway sends a text of"
          + " at most this many estimated tokens (4 characters each, other scripts 1 per"
          + " character) where the provider refuses a longer input (openai, azure-openai), half"
          + " of it elsewhere (the server may truncate silently and the estimate may count half"
          + " the tokens); a longer text is exact-only. Absent: the gateway's bound for the"
          + " provider's kind (openai-compatible: 128).")
  @Min(1)
  @Max(131072)
  private Integer maxInputTokens;

  public String getBuiltin() {
    return builtin;
  }

  public void setBuiltin(String builtin) {
    this.builtin = builtin;
  }

  public LocalObjectRef getProviderRef() {
    return providerRef;
  }

  public void setProviderRef(LocalObjectRef providerRef) {
    this.providerRef = providerRef;
  }

  public Integer getMaxInputTokens() {
    return maxInputTokens;
  }

  public void setMaxInputTokens(Integer maxInputTokens) {
    this.maxInputTokens = maxInputTokens;
  }

  public String getModel() {
    return model;
  }

  public void setModel(String model) {
    this.model = model;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Embedder)) {
      return false;
    }
    Embedder that = (Embedder) o;
    return Objects.equals(builtin, that.builtin)
        && Objects.equals(providerRef, that.providerRef)
        && Objects.equals(model, that.model)
        && Objects.equals(maxInputTokens, that.maxInputTokens);
  }

  @Override
  public int hashCode() {
    return Objects.hash(builtin, providerRef, model, maxInputTokens);
  }

  @Override
  public String toString() {
    return "Embedder{"
        + "builtin="
        + builtin
        + ", providerRef="
        + providerRef
        + ", model="
        + model
        + ", maxInputTokens="
        + maxInputTokens
        + "}";
  }
}
