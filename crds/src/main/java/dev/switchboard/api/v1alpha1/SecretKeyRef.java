package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A key of a Secret in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeyRef {

  @JsonPropertyDescription("Name of the Secret in the same namespace.")
  @Required
  @Pattern(SchemaPatterns.DNS_SUBDOMAIN)
  @Size(min = 1, max = 253)
  private String name;

  @JsonPropertyDescription("Key within the Secret whose value is the API key.")
  @Default("apiKey")
  @Pattern(SchemaPatterns.SECRET_KEY)
  @Size(min = 1, max = 253)
  private String key;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SecretKeyRef)) {
      return false;
    }
    SecretKeyRef that = (SecretKeyRef) o;
    return Objects.equals(name, that.name) && Objects.equals(key, that.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, key);
  }

  @Override
  public String toString() {
    return "SecretKeyRef{" + "name=" + name + ", key=" + key + "}";
  }
}
