package dev.switchboard.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A key as the operator saw it: a short fingerprint of its hash, never the key. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObservedKey {

  @JsonPropertyDescription(
      "sha256: and the first 8 hex digits of the key's SHA-256; identifies the key without"
          + " revealing it.")
  private String fingerprint;

  @JsonPropertyDescription(
      "When the operator first saw this key (RFC 3339); the key's age is counted from here.")
  private String observedSince;

  public ObservedKey() {}

  public ObservedKey(String fingerprint, String observedSince) {
    this.fingerprint = fingerprint;
    this.observedSince = observedSince;
  }

  public String getFingerprint() {
    return fingerprint;
  }

  public void setFingerprint(String fingerprint) {
    this.fingerprint = fingerprint;
  }

  public String getObservedSince() {
    return observedSince;
  }

  public void setObservedSince(String observedSince) {
    this.observedSince = observedSince;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ObservedKey that
        && Objects.equals(fingerprint, that.fingerprint)
        && Objects.equals(observedSince, that.observedSince);
  }

  @Override
  public int hashCode() {
    return Objects.hash(fingerprint, observedSince);
  }

  @Override
  public String toString() {
    return "ObservedKey{fingerprint=" + fingerprint + ", observedSince=" + observedSince + "}";
  }
}
