package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
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
        && Objects.equals(model, that.model);
  }

  @Override
  public int hashCode() {
    return Objects.hash(builtin, providerRef, model);
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
        + "}";
  }
}
