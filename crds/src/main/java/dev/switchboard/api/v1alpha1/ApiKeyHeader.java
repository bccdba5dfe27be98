package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.UpstreamHeaders;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** The header a ProviderEndpoint's key is sent in instead of its provider preset's. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApiKeyHeader {

  @JsonPropertyDescription(
      "Header the key is sent in, e.g. Ocp-Apim-Subscription-Key (Azure API Management), apikey"
          + " (Kong), x-api-key; the provider's own key header (Authorization, api-key, x-api-key,"
          + " x-goog-api-key) is then not sent. Not a header the gateway or the connection sets"
          + " (Host, Content-Length, Content-Type, Accept, User-Agent, x-request-id,"
          + " Proxy-Authorization, Connection, Transfer-Encoding, ...).")
  @Required
  @Pattern(UpstreamHeaders.TOKEN_PATTERN)
  @Size(min = 1, max = 128)
  @ValidationRule(
      value = "!self.matches('" + UpstreamHeaders.OWNED_HEADER_PATTERN + "')",
      message =
          "the gateway or the connection sets this header itself; name the header the upstream reads the key from")
  private String name;

  @JsonPropertyDescription(
      "Written before the key, e.g. 'Bearer ' (with its space); absent: the key alone. A scheme,"
          + " never a secret: it is part of the routing table ConfigMap.")
  @Pattern(UpstreamHeaders.KEY_PREFIX_PATTERN)
  @Size(max = UpstreamHeaders.MAX_KEY_PREFIX)
  private String prefix;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getPrefix() {
    return prefix;
  }

  public void setPrefix(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKeyHeader that
        && Objects.equals(name, that.name)
        && Objects.equals(prefix, that.prefix);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, prefix);
  }

  @Override
  public String toString() {
    return "ApiKeyHeader{name=" + name + ", prefix=" + prefix + "}";
  }
}
