package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import dev.switchboard.contract.RoutingDefaults;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** The timeout budget of one attempt against a provider. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.connect) || !has(self.total) || duration(self.connect) <= duration(self.total)",
    message = "connect must not exceed total")
@ValidationRule(
    value =
        "!has(self.firstToken) || !has(self.total) || duration(self.firstToken) <= duration(self.total)",
    message = "firstToken must not exceed total")
public class Timeouts {

  /**
   * What an absent {@code connect} means, capped at {@code total}. Not a schema default: the API
   * server applies defaults before CEL rules, so {@code total: 1s} would be refused against it.
   */
  public static final String DEFAULT_CONNECT = RoutingDefaults.CONNECT;

  /** What an absent {@code firstToken} means, capped at {@code total} (not a schema default). */
  public static final String DEFAULT_FIRST_TOKEN = RoutingDefaults.FIRST_TOKEN;

  public static final String DEFAULT_TOTAL = RoutingDefaults.TOTAL;

  @JsonPropertyDescription(
      "Time allowed to open the connection. A duration such as `250ms`, `2s`, `5m`. Absent: "
          + RoutingDefaults.CONNECT
          + ", or total if that is shorter.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String connect;

  @JsonPropertyDescription(
      "Time allowed until the first response byte or streamed token. A duration such as `250ms`,"
          + " `2s`, `5m`. Absent: "
          + RoutingDefaults.FIRST_TOKEN
          + ", or total if that is shorter.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String firstToken;

  @JsonPropertyDescription(
      "Time allowed for the whole attempt, including streaming. A duration such as `250ms`, `2s`, `5m`.")
  @Default(DEFAULT_TOTAL)
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String total;

  @JsonPropertyDescription(
      "Longest silence allowed between two events of a streamed answer; a stream quiet that long"
          + " is ended (before its first event, the attempt fails over). A duration such as"
          + " `250ms`, `2s`, `5m`.")
  @Default(RoutingDefaults.STREAM_IDLE)
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String streamIdle;

  public String getConnect() {
    return connect;
  }

  public void setConnect(String connect) {
    this.connect = connect;
  }

  public String getFirstToken() {
    return firstToken;
  }

  public void setFirstToken(String firstToken) {
    this.firstToken = firstToken;
  }

  public String getTotal() {
    return total;
  }

  public void setTotal(String total) {
    this.total = total;
  }

  public String getStreamIdle() {
    return streamIdle;
  }

  public void setStreamIdle(String streamIdle) {
    this.streamIdle = streamIdle;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Timeouts)) {
      return false;
    }
    Timeouts that = (Timeouts) o;
    return Objects.equals(connect, that.connect)
        && Objects.equals(firstToken, that.firstToken)
        && Objects.equals(total, that.total)
        && Objects.equals(streamIdle, that.streamIdle);
  }

  @Override
  public int hashCode() {
    return Objects.hash(connect, firstToken, total, streamIdle);
  }

  @Override
  public String toString() {
    return "Timeouts{"
        + "connect="
        + connect
        + ", firstToken="
        + firstToken
        + ", total="
        + total
        + ", streamIdle="
        + streamIdle
        + "}";
  }
}
