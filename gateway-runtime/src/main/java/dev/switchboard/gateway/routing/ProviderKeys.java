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

  private static final ProviderKeys EMPTY = new ProviderKeys(Map.of(), Set.of());

  private final Map<String, String> keys;
  private final Set<String> refused;

  private ProviderKeys(Map<String, String> keys, Set<String> refused) {
    this.keys = keys;
    this.refused = refused;
  }

  public static ProviderKeys empty() {
    return EMPTY;
  }

  /**
   * Keys by provider name; blank values are dropped and surrounding whitespace trimmed. A value
   * with any other character than visible ASCII inside (two keys on two lines during a rotation, a
   * CRLF, a control character) is refused: its provider is keyless, as for a missing key, and is
   * listed in {@link #refusedNames()}. Such a value can never be a header value, and the HTTP
   * client's complaint about it quotes the whole value.
   */
  public static ProviderKeys of(Map<String, String> keys) {
    Map<String, String> cleaned = new java.util.HashMap<>();
    Set<String> refused = new TreeSet<>();
    keys.forEach(
        (name, value) -> {
          if (value != null && !value.isBlank()) {
            String key = value.strip();
            if (dev.switchboard.contract.UpstreamHeaders.isValidKey(key)) {
              cleaned.put(name, key);
            } else {
              refused.add(name);
            }
          }
        });
    return new ProviderKeys(Map.copyOf(cleaned), Set.copyOf(refused));
  }

  public Optional<String> keyFor(String provider) {
    return Optional.ofNullable(keys.get(provider));
  }

  /** Names of the providers that have a key (never the keys). */
  public Set<String> providerNames() {
    return new TreeSet<>(keys.keySet());
  }

  /** Names of the providers whose key was refused as not a valid key (never the values). */
  public Set<String> refusedNames() {
    return new TreeSet<>(refused);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProviderKeys other
        && keys.equals(other.keys)
        && refused.equals(other.refused);
  }

  @Override
  public int hashCode() {
    return keys.hashCode() * 31 + refused.hashCode();
  }

  @Override
  public String toString() {
    return "ProviderKeys" + providerNames();
  }
}
