package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;
import java.util.Objects;

/** Conditions a request must meet for a rule to apply. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.headers) || has(self.metadata)",
    message = "a match needs headers or metadata")
public class RuleMatch {

  @JsonPropertyDescription(
      "Request headers that must all be present with exactly these values (names are matched case-insensitively).")
  @Size(min = 1, max = 8)
  @ValidationRule(
      value = "self.all(k, k.size() >= 1 && k.size() <= 128)",
      message = "header names must have 1 to 128 characters")
  private Map<String, @Size(max = 1024) String> headers;

  @JsonPropertyDescription(
      "Entries of the OpenAI `metadata` request body field that must all be present with exactly"
          + " these values, e.g. task: summarization.")
  @Size(min = 1, max = 8)
  @ValidationRule(
      value = "self.all(k, k.size() >= 1 && k.size() <= 64)",
      message = "metadata keys must have 1 to 64 characters")
  private Map<String, @Size(max = 512) String> metadata;

  public Map<String, String> getMetadata() {
    return metadata;
  }

  public void setMetadata(Map<String, String> metadata) {
    this.metadata = metadata;
  }

  public Map<String, String> getHeaders() {
    return headers;
  }

  public void setHeaders(Map<String, String> headers) {
    this.headers = headers;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RuleMatch)) {
      return false;
    }
    RuleMatch that = (RuleMatch) o;
    return Objects.equals(headers, that.headers) && Objects.equals(metadata, that.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(headers, metadata);
  }

  @Override
  public String toString() {
    return "RuleMatch{" + "headers=" + headers + ", metadata=" + metadata + "}";
  }
}
