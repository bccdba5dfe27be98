package dev.switchboard.operator.modelroute;

import dev.switchboard.api.v1alpha1.ModelRoute;
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
  static Optional<Conditions.Desired> ready(ModelRoute route, List<String> problems) {
    List<String> mine = problems.stream().filter(p -> concerns(route, p)).toList();
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
   * Whether a problem of {@code RoutingTableValidator} is about the route: it names the route
   * ({@code route <name>…}, either side of a model-name clash), the route's policy ({@code policy
   * <name>:}) or a provider the route uses ({@code provider <name>:}).
   */
  static boolean concerns(ModelRoute route, String problem) {
    String name = route.getMetadata().getName();
    if (problem.startsWith("route " + name + ":")
        || problem.startsWith("route " + name + " ")
        || problem.contains(" both " + name + " and ")
        || problem.endsWith(" and " + name)) {
      return true;
    }
    for (String policy : ReferenceResolver.policyNames(route)) {
      if (problem.startsWith("policy " + policy + ":")) {
        return true;
      }
    }
    for (String provider : ReferenceResolver.providerNames(route)) {
      if (problem.startsWith("provider " + provider + ":")) {
        return true;
      }
    }
    return false;
  }
}
