package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Languages;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Conditions a request must meet for a rule to apply. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.headers) || has(self.metadata) || has(self.language)",
    message = "a match needs headers, metadata or language")
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

  @JsonPropertyDescription(
      "Languages (ISO 639-1 codes) of which the last user message must be written in one, as the"
          + " gateway detects it, e.g. [zh, ja, ko].")
  @Size(min = 1, max = 24)
  private List<@Pattern(Languages.PATTERN) @Size(max = 2) String> language;

  public List<String> getLanguage() {
    return language;
  }

  public void setLanguage(List<String> language) {
    this.language = language;
  }

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
    return Objects.equals(headers, that.headers)
        && Objects.equals(metadata, that.metadata)
        && Objects.equals(language, that.language);
  }

  @Override
  public int hashCode() {
    return Objects.hash(headers, metadata, language);
  }

  @Override
  public String toString() {
    return "RuleMatch{headers="
        + headers
        + ", metadata="
        + metadata
        + ", language="
        + language
        + "}";
  }
}
