package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingDefaults;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** When and how failed attempts are retried, possibly on another target. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.maxRetryAfter) || (duration(self.maxRetryAfter) >= duration('1s')"
            + " && duration(self.maxRetryAfter) <= duration('1h'))",
    message = "maxRetryAfter must be between 1s and 1h")
public class RetrySpec {

  @JsonPropertyDescription(
      "Attempts on one target, including the first, before the request fails over to the next"
          + " target (1 = fail over at once).")
  @Default("" + RoutingDefaults.MAX_ATTEMPTS)
  @Min(1)
  @Max(10)
  private Integer maxAttempts;

  @JsonPropertyDescription("Delay between attempts.")
  @Default("{}")
  private Backoff backoff;

  @JsonPropertyDescription(
      "Failure classes that are retried: rate-limited, server-error, timeout, connect-error.")
  @Size(max = 4)
  @ValidationRule(
      value = "self.all(r, self.exists_one(s, s == r))",
      message = "retryOn entries must be unique")
  private List<@Pattern(SchemaPatterns.RETRY_ON) @Size(max = 16) String> retryOn;

  @JsonPropertyDescription("Wait as long as a provider's Retry-After header asks.")
  @Default("true")
  private Boolean respectRetryAfter;

  @JsonPropertyDescription(
      "Longest wait a provider's Retry-After can impose: a target cools down for at most this"
          + " long, and a client relayed a 429 is told to retry after at most this long. A"
          + " duration such as `30s`, `2m`.")
  @Default(RoutingDefaults.MAX_RETRY_AFTER)
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String maxRetryAfter;

  @JsonPropertyDescription("Cap on retry traffic.")
  @Default("{}")
  private RetryBudget budget;

  public Integer getMaxAttempts() {
    return maxAttempts;
  }

  public void setMaxAttempts(Integer maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  public Backoff getBackoff() {
    return backoff;
  }

  public void setBackoff(Backoff backoff) {
    this.backoff = backoff;
  }

  public List<String> getRetryOn() {
    return retryOn;
  }

  public void setRetryOn(List<String> retryOn) {
    this.retryOn = retryOn;
  }

  public Boolean getRespectRetryAfter() {
    return respectRetryAfter;
  }

  public void setRespectRetryAfter(Boolean respectRetryAfter) {
    this.respectRetryAfter = respectRetryAfter;
  }

  public String getMaxRetryAfter() {
    return maxRetryAfter;
  }

  public void setMaxRetryAfter(String maxRetryAfter) {
    this.maxRetryAfter = maxRetryAfter;
  }

  public RetryBudget getBudget() {
    return budget;
  }

  public void setBudget(RetryBudget budget) {
    this.budget = budget;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RetrySpec)) {
      return false;
    }
    RetrySpec that = (RetrySpec) o;
    return Objects.equals(maxAttempts, that.maxAttempts)
        && Objects.equals(backoff, that.backoff)
        && Objects.equals(retryOn, that.retryOn)
        && Objects.equals(respectRetryAfter, that.respectRetryAfter)
        && Objects.equals(maxRetryAfter, that.maxRetryAfter)
        && Objects.equals(budget, that.budget);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, backoff, retryOn, respectRetryAfter, maxRetryAfter, budget);
  }

  @Override
  public String toString() {
    return "RetrySpec{"
        + "maxAttempts="
        + maxAttempts
        + ", backoff="
        + backoff
        + ", retryOn="
        + retryOn
        + ", respectRetryAfter="
        + respectRetryAfter
        + ", maxRetryAfter="
        + maxRetryAfter
        + ", budget="
        + budget
        + "}";
  }
}
