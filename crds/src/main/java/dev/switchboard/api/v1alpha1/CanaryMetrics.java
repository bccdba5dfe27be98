package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
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

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CanaryMetrics)) {
      return false;
    }
    CanaryMetrics that = (CanaryMetrics) o;
    return Objects.equals(source, that.source) && Objects.equals(url, that.url);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, url);
  }

  @Override
  public String toString() {
    return "CanaryMetrics{" + "source=" + source + ", url=" + url + "}";
  }
}
