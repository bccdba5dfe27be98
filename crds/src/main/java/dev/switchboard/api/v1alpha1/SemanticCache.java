package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Cache answering requests similar in meaning to an earlier one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.enabled) || !self.enabled || has(self.embedder)",
    message = "an enabled semantic cache needs an embedder")
public class SemanticCache {

  @JsonPropertyDescription("Whether the semantic cache is used.")
  @Default("false")
  private Boolean enabled;

  @JsonPropertyDescription("Cosine similarity at or above which a cached answer is reused.")
  @Default("0.95")
  @Min(0)
  @Max(1)
  private Double similarityThreshold;

  @JsonPropertyDescription("How long an answer is kept. A duration such as `250ms`, `2s`, `5m`.")
  @Default("1h")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String ttl;

  @JsonPropertyDescription("Entries kept per gateway replica.")
  @Default("50000")
  @Min(1)
  @Max(10000000)
  private Integer maxEntries;

  @JsonPropertyDescription("The embedding model.")
  private Embedder embedder;

  @JsonPropertyDescription(
      "What is embedded: the last user message (last-user; the conversation before it must then"
          + " match exactly) or the whole conversation (conversation).")
  @SchemaFrom(type = SchemaEnums.CacheMessages.class)
  @Default("last-user")
  private String messages;

  public String getMessages() {
    return messages;
  }

  public void setMessages(String messages) {
    this.messages = messages;
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Double getSimilarityThreshold() {
    return similarityThreshold;
  }

  public void setSimilarityThreshold(Double similarityThreshold) {
    this.similarityThreshold = similarityThreshold;
  }

  public String getTtl() {
    return ttl;
  }

  public void setTtl(String ttl) {
    this.ttl = ttl;
  }

  public Integer getMaxEntries() {
    return maxEntries;
  }

  public void setMaxEntries(Integer maxEntries) {
    this.maxEntries = maxEntries;
  }

  public Embedder getEmbedder() {
    return embedder;
  }

  public void setEmbedder(Embedder embedder) {
    this.embedder = embedder;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SemanticCache)) {
      return false;
    }
    SemanticCache that = (SemanticCache) o;
    return Objects.equals(enabled, that.enabled)
        && Objects.equals(similarityThreshold, that.similarityThreshold)
        && Objects.equals(ttl, that.ttl)
        && Objects.equals(maxEntries, that.maxEntries)
        && Objects.equals(embedder, that.embedder)
        && Objects.equals(messages, that.messages);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, similarityThreshold, ttl, maxEntries, embedder, messages);
  }

  @Override
  public String toString() {
    return "SemanticCache{"
        + "enabled="
        + enabled
        + ", similarityThreshold="
        + similarityThreshold
        + ", ttl="
        + ttl
        + ", maxEntries="
        + maxEntries
        + ", embedder="
        + embedder
        + ", messages="
        + messages
        + "}";
  }
}
