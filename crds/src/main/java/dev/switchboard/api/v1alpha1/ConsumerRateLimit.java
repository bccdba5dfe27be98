package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** A rate limit over all requests of one consumer (whichever of its keys they present). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.requestsPerMinute) || has(self.tokensPerMinute)",
    message = "set requestsPerMinute, tokensPerMinute or both")
public class ConsumerRateLimit {

  @JsonPropertyDescription("Requests per minute the consumer may send.")
  @Min(1)
  private Integer requestsPerMinute;

  @JsonPropertyDescription(
      "Tokens per minute (prompt + completion, charged from the answers' usage).")
  @Min(1)
  private Long tokensPerMinute;

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
    return o instanceof ConsumerRateLimit that
        && Objects.equals(requestsPerMinute, that.requestsPerMinute)
        && Objects.equals(tokensPerMinute, that.tokensPerMinute);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requestsPerMinute, tokensPerMinute);
  }

  @Override
  public String toString() {
    return "ConsumerRateLimit{requestsPerMinute="
        + requestsPerMinute
        + ", tokensPerMinute="
        + tokensPerMinute
        + "}";
  }
}
