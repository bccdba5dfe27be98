package dev.switchboard.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.nio.charset.StandardCharsets;
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

  /**
   * The most bytes of UTF-8 a condition or event message may have. Kubernetes allows 32 KiB, but a
   * message is read by people in {@code kubectl describe}: the first problems and a count say what
   * to fix first, and a route with a thousand bad targets must not make a 100 KB status.
   */
  public static final int MAX_MESSAGE_BYTES = 1024;

  private static final String ELLIPSIS = "…";

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private final Clock clock;

  public Conditions(Clock clock) {
    this.clock = clock;
  }

  /**
   * A condition as decided by a reconcile, before timestamps.
   *
   * @param status True or False (ignored when {@code unknown})
   * @param unknown status Unknown: the reconcile could not find out (e.g. nothing answered)
   */
  public record Desired(
      String type, boolean status, String reason, String message, boolean unknown) {

    public Desired(String type, boolean status, String reason, String message) {
      this(type, status, reason, message, false);
    }

    /** A condition with status Unknown. */
    public static Desired unknown(String type, String reason, String message) {
      return new Desired(type, false, reason, message, true);
    }

    /** The condition's status as written: True, False or Unknown. */
    public String statusName() {
      return unknown ? UNKNOWN : status ? TRUE : FALSE;
    }
  }

  /**
   * The new condition list: {@code desired} replaces conditions of the {@code managed} types,
   * others are kept; order is managed types in the order given, then the rest as found.
   */
  public List<Condition> merge(
      List<Condition> existing, Set<String> managed, List<Desired> desired, Long generation) {
    List<Condition> current = existing == null ? List.of() : existing;
    List<Condition> result = new ArrayList<>();
    for (Desired want : desired) {
      String status = want.statusName();
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
              .withMessage(capped(want.message()))
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

  /**
   * One message from several problems: as many of the first ones as fit within {@link
   * #MAX_MESSAGE_BYTES} together with {@code trailer}, joined by {@code separator}, then "… and N
   * more problems." for those left out, then {@code trailer} (which may be empty).
   */
  public static String summary(List<String> problems, String separator, String trailer) {
    String tail = trailer == null ? "" : trailer;
    StringBuilder text = new StringBuilder();
    int total = problems.size();
    for (int i = 0; i < total; i++) {
      String next = (i == 0 ? "" : separator) + problems.get(i);
      int left = total - i - 1;
      String more = left == 0 ? "" : more(separator, left);
      if (bytes(text) + bytes(next) + bytes(more) + bytes(tail) <= MAX_MESSAGE_BYTES) {
        text.append(next);
        continue;
      }
      if (i == 0) {
        // Even the first problem is too long: keep its start, it says the most.
        String rest = more(separator, total - 1);
        int budget = MAX_MESSAGE_BYTES - bytes(rest) - bytes(tail);
        text.append(truncated(problems.get(0), Math.max(budget, 0)));
        text.append(total > 1 ? rest : "");
      } else {
        // The previous round made sure this count fits.
        text.append(more(separator, total - i));
      }
      break;
    }
    return capped(text.append(tail).toString());
  }

  /**
   * {@code message} cut to {@link #MAX_MESSAGE_BYTES} (ending in "…" when cut); null stays null.
   */
  public static String capped(String message) {
    if (message == null || bytes(message) <= MAX_MESSAGE_BYTES) {
      return message;
    }
    return truncated(message, MAX_MESSAGE_BYTES);
  }

  private static String more(String separator, int count) {
    return separator + ELLIPSIS + " and " + count + " more problem" + (count == 1 ? "." : "s.");
  }

  /** The longest prefix of {@code text} that fits {@code budget} bytes with a trailing "…". */
  private static String truncated(String text, int budget) {
    if (bytes(text) <= budget) {
      return text;
    }
    int room = budget - bytes(ELLIPSIS);
    int end = 0;
    int used = 0;
    while (end < text.length()) {
      int codePoint = text.codePointAt(end);
      int size = bytes(new String(Character.toChars(codePoint)));
      if (used + size > room) {
        break;
      }
      used += size;
      end += Character.charCount(codePoint);
    }
    return room < 0 ? "" : text.substring(0, end) + ELLIPSIS;
  }

  private static int bytes(CharSequence text) {
    return text.toString().getBytes(StandardCharsets.UTF_8).length;
  }

  private String now() {
    return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }
}
