package dev.switchboard.mock.fault;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-model fault rules, safe to change from any thread while the server runs.
 *
 * <p>Each model has a queue of rules; the head rule applies to the next request for that model. A
 * rule limited to {@code times} requests is removed once used up, so tests can script "fail twice,
 * then succeed" ({@code add(model, "status:500", 2)}) or "429, then 500, then succeed". Rules for
 * the model {@link #ANY_MODEL} apply to models without rules of their own.
 */
public final class FaultRules {

  /** The wildcard model id whose rules apply to every model without its own rules. */
  public static final String ANY_MODEL = "*";

  /** Sentinel for a rule that never runs out. */
  public static final int UNLIMITED = -1;

  /** One queued rule; {@code remaining} is {@link #UNLIMITED} or the requests left. */
  public record Rule(String model, FaultSpec fault, int remaining) {}

  private final Map<String, Deque<MutableRule>> rules = new LinkedHashMap<>();

  /** Replaces every rule of {@code model} with one unlimited rule. */
  public FaultRules set(String model, String fault) {
    return set(model, FaultSpec.parse(fault));
  }

  /** Replaces every rule of {@code model} with one unlimited rule. */
  public synchronized FaultRules set(String model, FaultSpec fault) {
    rules.remove(model);
    return add(model, fault, UNLIMITED);
  }

  /** Appends a rule used for the next {@code times} requests ({@link #UNLIMITED} for ever). */
  public FaultRules add(String model, String fault, int times) {
    return add(model, FaultSpec.parse(fault), times);
  }

  /** Appends a rule used for the next {@code times} requests ({@link #UNLIMITED} for ever). */
  public synchronized FaultRules add(String model, FaultSpec fault, int times) {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model must be given (use \"*\" for every model)");
    }
    if (times == 0 || times < UNLIMITED) {
      throw new IllegalArgumentException("times must be positive or UNLIMITED: " + times);
    }
    rules.computeIfAbsent(model, m -> new ArrayDeque<>()).addLast(new MutableRule(fault, times));
    return this;
  }

  /** Removes every rule of {@code model}. */
  public synchronized FaultRules clear(String model) {
    rules.remove(model);
    return this;
  }

  /** Removes every rule. */
  public synchronized FaultRules clearAll() {
    rules.clear();
    return this;
  }

  /**
   * Takes the fault for one request to {@code model}: its own head rule, else the wildcard's,
   * counting down a limited rule.
   */
  public synchronized Optional<FaultSpec> next(String model) {
    Optional<FaultSpec> own = take(model);
    return own.isPresent() ? own : take(ANY_MODEL);
  }

  /** A snapshot of every queued rule, in order. */
  public synchronized List<Rule> list() {
    List<Rule> out = new ArrayList<>();
    rules.forEach(
        (model, queue) -> queue.forEach(r -> out.add(new Rule(model, r.fault, r.remaining))));
    return out;
  }

  private Optional<FaultSpec> take(String model) {
    Deque<MutableRule> queue = rules.get(model);
    if (queue == null || queue.isEmpty()) {
      return Optional.empty();
    }
    MutableRule head = queue.peekFirst();
    if (head.remaining != UNLIMITED && --head.remaining == 0) {
      queue.removeFirst();
      if (queue.isEmpty()) {
        rules.remove(model);
      }
    }
    return Optional.of(head.fault);
  }

  private static final class MutableRule {
    final FaultSpec fault;
    int remaining;

    MutableRule(FaultSpec fault, int remaining) {
      this.fault = fault;
      this.remaining = remaining;
    }
  }
}
