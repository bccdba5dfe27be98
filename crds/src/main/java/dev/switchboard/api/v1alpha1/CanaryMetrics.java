package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.switchboard.contract.Durations;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Where canary metrics come from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.source) || self.source != 'prometheus' || has(self.url)",
    message = "url is required when source is prometheus")
public class CanaryMetrics {

  @JsonPropertyDescription("gateway (scrape gateway pods) or prometheus.")
  @Default("gateway")
  @SchemaFrom(type = SchemaEnums.MetricsSource.class)
  private String source;

  @JsonPropertyDescription("Prometheus base URL; required when source is prometheus.")
  @Pattern(SchemaPatterns.HTTP_URL)
  @Size(max = 2048)
  private String url;

  @JsonPropertyDescription(
      "How often Prometheus scrapes the gateway, e.g. `30s`; with source prometheus. Query windows"
          + " span at least four scrape intervals. Unset: read from Prometheus's targets API.")
  @Pattern(Durations.PATTERN)
  @Size(max = 32)
  private String scrapeInterval;

  public String getSource() {
    return source;
  }

  public void setSource(String source) {
    this.source = source;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getScrapeInterval() {
    return scrapeInterval;
  }

  public void setScrapeInterval(String scrapeInterval) {
    this.scrapeInterval = scrapeInterval;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CanaryMetrics)) {
      return false;
    }
    CanaryMetrics that = (CanaryMetrics) o;
    return Objects.equals(source, that.source)
        && Objects.equals(url, that.url)
        && Objects.equals(scrapeInterval, that.scrapeInterval);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, url, scrapeInterval);
  }

  @Override
  public String toString() {
    return "CanaryMetrics{"
        + "source="
        + source
        + ", url="
        + url
        + ", scrapeInterval="
        + scrapeInterval
        + "}";
  }
}
