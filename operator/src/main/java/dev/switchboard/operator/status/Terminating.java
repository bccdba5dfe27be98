package dev.switchboard.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Optional;

/**
 * A ProviderEndpoint or RoutingPolicy marked for deletion (a {@code deletionTimestamp}) that the
 * API server keeps until other controllers remove their finalizers. Its deletion was asked for, so
 * it is used as it will be once gone: no route starts using it, and the routes that use it keep
 * their last good entry — what is served does not change, neither now nor when it goes.
 */
public final class Terminating {

  private Terminating() {}

  /** The problem of an endpoint marked for deletion; empty for one that is not. */
  public static Optional<Problem> ofEndpoint(HasMetadata endpoint) {
    return problem(
        endpoint,
        "no route starts using it, and the routes that use it keep their last good entry (this"
            + " endpoint and its key as last published) until they are pointed at another one");
  }

  /** The problem of a policy marked for deletion; empty for one that is not. */
  public static Optional<Problem> ofPolicy(HasMetadata policy) {
    return problem(
        policy,
        "no route starts using it, and the routes that use it keep their last good entry (this"
            + " policy as last published) until they name another policy or none");
  }

  private static Optional<Problem> problem(HasMetadata resource, String meanwhile) {
    ObjectMeta metadata = resource.getMetadata();
    if (metadata.getDeletionTimestamp() == null) {
      return Optional.empty();
    }
    List<String> finalizers =
        metadata.getFinalizers() == null ? List.of() : metadata.getFinalizers();
    return Optional.of(
        new Problem(
            Reason.TERMINATING,
            "marked for deletion at "
                + metadata.getDeletionTimestamp()
                + (finalizers.isEmpty()
                    ? ""
                    : ", kept until finalizer(s) "
                        + String.join(", ", finalizers)
                        + " are removed by their controllers")
                + "; "
                + meanwhile));
  }
}
