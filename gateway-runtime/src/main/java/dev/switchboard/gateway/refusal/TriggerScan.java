package dev.switchboard.gateway.refusal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Which rules' trigger substrings occur in a normalised text, in one pass over it: an Aho–Corasick
 * automaton over every trigger of every rule, compiled into a transition table. It replaces one
 * {@code String.contains} per trigger (76 of them, each a search of up to 400 characters), which
 * cost ~0.8 µs for a short answer and ~2.9 µs for an answer of 400 characters or more, on every
 * answer the gateway relays (issue #21); the scan reads each character once.
 *
 * <p>The alphabet is the characters that occur in triggers (any other character leads back to the
 * start: no trigger spans it). Each state knows the rules one of whose triggers ends there,
 * directly or through its failure link, as a bit mask: at most 64 rules.
 */
final class TriggerScan {

  /** Alphabet index of an ASCII character (0: in no trigger). */
  private final short[] ascii = new short[128];

  /** The non-ASCII characters of the alphabet, sorted; {@code wide[i]} has index firstWide + i. */
  private final char[] wide;

  private final int firstWide;

  /** Alphabet size including index 0. */
  private final int width;

  /** {@code next[state * width + symbol]}: the complete transition function. */
  private final int[] next;

  /** Per state: the rules (bit i = rule i) a trigger of which ends at this state. */
  private final long[] rulesEndingHere;

  TriggerScan(List<RefusalRules.Rule> rules) {
    if (rules.size() > Long.SIZE) {
      throw new IllegalArgumentException(
          "at most " + Long.SIZE + " refusal rules, got " + rules.size());
    }
    TreeSet<Character> alphabet = new TreeSet<>();
    for (RefusalRules.Rule rule : rules) {
      for (String trigger : rule.triggers()) {
        if (trigger.isEmpty()) {
          throw new IllegalArgumentException("empty trigger in a rule of " + rule.language());
        }
        trigger.chars().forEach(c -> alphabet.add((char) c));
      }
    }
    List<Character> wideChars = new ArrayList<>();
    int symbols = 1;
    for (char c : alphabet) {
      if (c < 128) {
        ascii[c] = (short) symbols++;
      } else {
        wideChars.add(c);
      }
    }
    wide = new char[wideChars.size()];
    for (int i = 0; i < wide.length; i++) {
      wide[i] = wideChars.get(i);
    }
    firstWide = symbols;
    width = symbols + wide.length;

    // The trie: goto edges (-1: none), one row per state; state 0 is the start.
    int maxStates = 1;
    for (RefusalRules.Rule rule : rules) {
      for (String trigger : rule.triggers()) {
        maxStates += trigger.length();
      }
    }
    int[] trie = new int[maxStates * width];
    Arrays.fill(trie, -1);
    long[] out = new long[maxStates];
    int states = 1;
    for (int r = 0; r < rules.size(); r++) {
      for (String trigger : rules.get(r).triggers()) {
        int state = 0;
        for (int i = 0; i < trigger.length(); i++) {
          int edge = state * width + symbol(trigger.charAt(i));
          if (trie[edge] < 0) {
            trie[edge] = states++;
          }
          state = trie[edge];
        }
        out[state] |= 1L << r;
      }
    }

    // Breadth first: failure links, inherited outputs, and the missing edges filled in.
    int[] fail = new int[states];
    next = Arrays.copyOf(trie, states * width);
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int a = 0; a < width; a++) {
      int child = next[a];
      if (child < 0) {
        next[a] = 0;
      } else {
        fail[child] = 0;
        queue.add(child);
      }
    }
    while (!queue.isEmpty()) {
      int state = queue.poll();
      out[state] |= out[fail[state]];
      for (int a = 0; a < width; a++) {
        int edge = state * width + a;
        int child = next[edge];
        if (child < 0) {
          next[edge] = next[fail[state] * width + a];
        } else {
          fail[child] = next[fail[state] * width + a];
          queue.add(child);
        }
      }
    }
    rulesEndingHere = Arrays.copyOf(out, states);
  }

  /** The rules (bit i = rule i of the list given) at least one of whose triggers occurs in text. */
  long rulesTriggeredBy(String text) {
    long found = 0;
    int state = 0;
    for (int i = 0; i < text.length(); i++) {
      state = next[state * width + symbol(text.charAt(i))];
      found |= rulesEndingHere[state];
    }
    return found;
  }

  private int symbol(char c) {
    if (c < 128) {
      return ascii[c];
    }
    int at = Arrays.binarySearch(wide, c);
    return at < 0 ? 0 : firstWide + at;
  }
}
