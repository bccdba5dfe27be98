package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** A rate limit applied per key. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.requestsPerMinute) || has(self.tokensPerMinute)",
    message = "set requestsPerMinute, tokensPerMinute or both")
public class RateLimit {

  @JsonPropertyDescription("What the limit is counted per: api-key, route, or header:<name>.")
  @Required
  @Pattern(SchemaPatterns.RATE_LIMIT_KEY)
  @Size(max = 140)
  private String key;

  @JsonPropertyDescription("Requests per minute allowed per key.")
  @Min(1)
  private Integer requestsPerMinute;

  @JsonPropertyDescription("Tokens per minute allowed per key.")
  @Min(1)
  private Long tokensPerMinute;

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public Integer getRequestsPerMinute() {
    return requestsPerMinute;
  }

  public void setRequestsPerMinute(Integer requestsPerMinute) {
    this.requestsPerMinute = requestsPerMinute;
  }

  public Long getTokensPerMinute() {
    return tokensPerMinute;
  }

  public void setTokensPerMinute(Long tokensPerMinute) {
    this.tokensPerMinute = tokensPerMinute;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RateLimit)) {
      return false;
    }
    RateLimit that = (RateLimit) o;
    return Objects.equals(key, that.key)
        && Objects.equals(requestsPerMinute, that.requestsPerMinute)
        && Objects.equals(tokensPerMinute, that.tokensPerMinute);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, requestsPerMinute, tokensPerMinute);
  }

  @Override
  public String toString() {
    return "RateLimit{"
        + "key="
        + key
        + ", requestsPerMinute="
        + requestsPerMinute
        + ", tokensPerMinute="
        + tokensPerMinute
        + "}";
  }
}
