package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRoute;
import dev.switchboard.contract.TableProblem;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.Reason;
import java.util.List;
import java.util.Optional;

/**
 * What a route says when the composed routing table fails the gateway's validator (a defect the
 * operator's own validators should have caught first): nothing was published, and the routes the
 * problems are about — named, or through the policy or a provider they use — get {@code
 * Ready=False} {@code RoutingTableRejected} with those problems, not only a Warning event.
 */
final class RejectedTable {

  private RejectedTable() {}

  /** The route's Ready condition for these table problems, or empty when none is about it. */
  static Optional<Conditions.Desired> ready(ModelRoute route, List<TableProblem> problems) {
    List<String> mine =
        problems.stream().filter(p -> concerns(route, p)).map(TableProblem::message).toList();
    if (mine.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Conditions.Desired(
            Conditions.READY,
            false,
            Reason.ROUTING_TABLE_REJECTED.wireName(),
            Conditions.summary(
                mine,
                "; ",
                " — the rendered routing table failed the gateway's validation and was not"
                    + " published; the previous table keeps serving every route of the"
                    + " namespace")));
  }

  /**
   * Whether a problem of {@code RoutingTableValidator} is about the route, by what the problem
   * names ({@link TableProblem#subjects()}), never by its words: the route itself (either side of a
   * model-name clash), the route's policy or a provider the route uses; a problem of the table as a
   * whole is about every route.
   */
  static boolean concerns(ModelRoute route, TableProblem problem) {
    List<String> names =
        switch (problem.check().subject()) {
          case TABLE -> List.of();
          case ROUTE -> List.of(route.getMetadata().getName());
          case POLICY -> ReferenceResolver.policyNames(route);
          case PROVIDER -> ReferenceResolver.providerNames(route);
        };
    return problem.check().subject() == TableProblem.Subject.TABLE
        || problem.subjects().stream().anyMatch(names::contains);
  }
}
