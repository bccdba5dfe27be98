package dev.switchboard.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a resource's conditions from what a reconcile found: {@code lastTransitionTime} changes
 * only when a condition's status changes, conditions owned by someone else (e.g. {@code Healthy}
 * from the gateway, {@code CanaryHealthy} from the rollout) are kept as they are.
 */
public final class Conditions {

  public static final String READY = "Ready";
  public static final String REFERENCES_RESOLVED = "ReferencesResolved";
  public static final String CREDENTIALS_RESOLVED = "CredentialsResolved";

  public static final String TRUE = "True";
  public static final String FALSE = "False";

  private final Clock clock;

  public Conditions(Clock clock) {
    this.clock = clock;
  }

  /** A condition as decided by a reconcile, before timestamps. */
  public record Desired(String type, boolean status, String reason, String message) {}

  /**
   * The new condition list: {@code desired} replaces conditions of the {@code managed} types,
   * others are kept; order is managed types in the order given, then the rest as found.
   */
  public List<Condition> merge(
      List<Condition> existing, Set<String> managed, List<Desired> desired, Long generation) {
    List<Condition> current = existing == null ? List.of() : existing;
    List<Condition> result = new ArrayList<>();
    for (Desired want : desired) {
      String status = want.status() ? TRUE : FALSE;
      Optional<Condition> before =
          current.stream().filter(c -> want.type().equals(c.getType())).findFirst();
      String transition =
          before
              .filter(c -> status.equals(c.getStatus()) && c.getLastTransitionTime() != null)
              .map(Condition::getLastTransitionTime)
              .orElseGet(this::now);
      result.add(
          new ConditionBuilder()
              .withType(want.type())
              .withStatus(status)
              .withReason(want.reason())
              .withMessage(want.message())
              .withObservedGeneration(generation)
              .withLastTransitionTime(transition)
              .build());
    }
    for (Condition other : current) {
      if (!managed.contains(other.getType())) {
        result.add(other);
      }
    }
    return result;
  }

  /** The condition of a type, if present. */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private String now() {
    return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }
}
