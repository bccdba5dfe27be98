package dev.switchboard.gateway.routing;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The provider API keys currently loaded, by ProviderEndpoint name. Immutable; looked up per
 * request so rotation needs no restart. {@link #toString()} never shows a key.
 */
public final class ProviderKeys {

  private static final ProviderKeys EMPTY = new ProviderKeys(Map.of());

  private final Map<String, String> keys;

  private ProviderKeys(Map<String, String> keys) {
    this.keys = keys;
  }

  public static ProviderKeys empty() {
    return EMPTY;
  }

  /** Keys by provider name; blank values are dropped and surrounding whitespace trimmed. */
  public static ProviderKeys of(Map<String, String> keys) {
    Map<String, String> cleaned = new java.util.HashMap<>();
    keys.forEach(
        (name, value) -> {
          if (value != null && !value.isBlank()) {
            cleaned.put(name, value.strip());
          }
        });
    return new ProviderKeys(Map.copyOf(cleaned));
  }

  public Optional<String> keyFor(String provider) {
    return Optional.ofNullable(keys.get(provider));
  }

  /** Names of the providers that have a key (never the keys). */
  public Set<String> providerNames() {
    return new TreeSet<>(keys.keySet());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProviderKeys other && keys.equals(other.keys);
  }

  @Override
  public int hashCode() {
    return keys.hashCode();
  }

  @Override
  public String toString() {
    return "ProviderKeys" + providerNames();
  }
}
