package dev.switchboard.contract;

import java.util.List;
import java.util.Objects;

/**
 * One problem {@link RoutingTableValidator} found: the check that failed, the table entries it is
 * about (named by the kind the check concerns), the field within them, and the words the gateway
 * logs. The operator decides from the structure which resources a problem concerns, never from the
 * words, so rewording a message cannot silently detach it from its resource.
 *
 * @param check the check that failed; its {@link Check#subject()} says what {@code subjects} name
 * @param subjects the names of the entries the problem is about: one route, policy or provider (two
 *     routes for a model-name clash), none for the table as a whole
 * @param field where in the subject, as the table's field path ({@code targets[1].weight}, {@code
 *     schedule[off-peak].strategy}, {@code baseUrl}, …)
 * @param message what is wrong, as the gateway has always worded it
 */
public record TableProblem(Check check, List<String> subjects, String field, String message) {

  public TableProblem {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(message, "message");
    subjects = List.copyOf(subjects);
    if (subjects.isEmpty() != (check.subject() == Subject.TABLE)) {
      throw new IllegalArgumentException(
          check + " concerns " + check.subject() + " but names " + subjects);
    }
  }

  /** What a check's problems are about. */
  public enum Subject {
    /** The table as a whole (nothing in it can be fixed by a resource). */
    TABLE,
    /** A provider entry (a ProviderEndpoint). */
    PROVIDER,
    /** A policy entry (a RoutingPolicy). */
    POLICY,
    /** A route entry (a ModelRoute). */
    ROUTE
  }

  /** Every check the validator makes; a new one declares what its problems are about. */
  public enum Check {
    SCHEMA_VERSION(Subject.TABLE),
    PROVIDER_PRICE_WINDOW(Subject.PROVIDER),
    PROVIDER_PRICE_WINDOWS_OVERLAP(Subject.PROVIDER),
    PROVIDER_KEYED_UNDER_OTHER_NAME(Subject.PROVIDER),
    PROVIDER_BASE_URL_NOT_ABSOLUTE(Subject.PROVIDER),
    PROVIDER_BASE_URL_CREDENTIALS(Subject.PROVIDER),
    PROVIDER_BASE_URL_QUERY(Subject.PROVIDER),
    PROVIDER_BASE_URL_MALFORMED(Subject.PROVIDER),
    PROVIDER_HEADER(Subject.PROVIDER),
    PROVIDER_API_KEY_HEADER(Subject.PROVIDER),
    PROVIDER_MAX_RESPONSE_BYTES(Subject.PROVIDER),
    PROVIDER_COMMITMENT(Subject.PROVIDER),
    PROVIDER_NAME_RESERVED(Subject.PROVIDER),
    POLICY_STRATEGY(Subject.POLICY),
    POLICY_SCHEDULE_STRATEGY(Subject.POLICY),
    POLICY_SCHEDULE_WINDOW(Subject.POLICY),
    POLICY_SCHEDULE_WINDOWS_OVERLAP(Subject.POLICY),
    POLICY_EXPLORATION_SHARE(Subject.POLICY),
    POLICY_ON_RETIRED(Subject.POLICY),
    ROUTE_NAME_RESERVED(Subject.ROUTE),
    ROUTE_MODEL_EMPTY(Subject.ROUTE),
    ROUTE_MODEL_NAME_CLAIMED_TWICE(Subject.ROUTE),
    ROUTE_POLICY_MISSING(Subject.ROUTE),
    ROUTE_NO_TARGETS(Subject.ROUTE),
    ROUTE_TARGET_PROVIDER_MISSING(Subject.ROUTE),
    ROUTE_TARGET_MODEL_NOT_SERVED(Subject.ROUTE),
    ROUTE_TARGET_WEIGHT(Subject.ROUTE),
    ROUTE_RULE_STRATEGY(Subject.ROUTE),
    ROUTE_RULE_LANGUAGE(Subject.ROUTE),
    ROUTE_CANARY_MODE(Subject.ROUTE),
    ROUTE_CANARY_WEIGHT(Subject.ROUTE),
    ROUTE_EVALUATION_SAMPLE(Subject.ROUTE);

    private final Subject subject;

    Check(Subject subject) {
      this.subject = subject;
    }

    /** What this check's problems name in {@link TableProblem#subjects()}. */
    public Subject subject() {
      return subject;
    }
  }
}
