package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** Provider-side limits the gateway must stay under. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Quota {

  @JsonPropertyDescription("Requests per minute the provider account allows.")
  @Min(1)
  private Integer requestsPerMinute;

  @JsonPropertyDescription("Tokens (input plus output) per minute the provider account allows.")
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
    if (this == o) {
      return true;
    }
    if (!(o instanceof Quota)) {
      return false;
    }
    Quota that = (Quota) o;
    return Objects.equals(requestsPerMinute, that.requestsPerMinute)
        && Objects.equals(tokensPerMinute, that.tokensPerMinute);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requestsPerMinute, tokensPerMinute);
  }

  @Override
  public String toString() {
    return "Quota{"
        + "requestsPerMinute="
        + requestsPerMinute
        + ", tokensPerMinute="
        + tokensPerMinute
        + "}";
  }
}
