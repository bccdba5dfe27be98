package dev.switchboard.mock;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The accepted API keys, replaced atomically: a request during a rotation sees either the old or
 * the new set, never a half-updated (or momentarily empty, i.e. auth-disabled) one.
 */
final class AcceptedKeys {

  private final AtomicReference<Set<String>> keys;

  AcceptedKeys(Collection<String> initial) {
    keys = new AtomicReference<>(Set.copyOf(initial));
  }

  void replace(Collection<String> newKeys) {
    keys.set(Set.copyOf(newKeys));
  }

  /** True when auth is disabled (no keys) or {@code presented} is one of the keys. */
  boolean accepts(String presented) {
    Set<String> current = keys.get();
    return current.isEmpty() || (presented != null && current.contains(presented));
  }

  int size() {
    return keys.get().size();
  }
}
