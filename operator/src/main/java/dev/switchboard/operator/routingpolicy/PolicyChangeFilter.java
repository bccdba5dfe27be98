package dev.switchboard.operator.routingpolicy;

import dev.switchboard.api.v1alpha1.RoutingPolicy;
import dev.switchboard.operator.drift.DriftChecker;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a RoutingPolicy reconcile it: a new {@code metadata.generation} (a spec edit),
 * as JOSDK's generation-aware filtering would pass, plus a new value of the {@link
 * DriftChecker#REBASELINE_ANNOTATION} annotation — a metadata-only change that does not bump the
 * generation, so that filtering alone would drop it and the rebaseline would wait for the next
 * timed reconcile. The operator's own status writes still reconcile nothing.
 */
public final class PolicyChangeFilter implements OnUpdateFilter<RoutingPolicy> {

  @Override
  public boolean accept(RoutingPolicy updated, RoutingPolicy old) {
    if (old == null
        || updated.getMetadata().getGeneration() == null
        || old.getMetadata().getGeneration() == null
        || updated.isMarkedForDeletion()) {
      return true;
    }
    return updated.getMetadata().getGeneration() > old.getMetadata().getGeneration()
        || !Objects.equals(rebaseline(updated), rebaseline(old));
  }

  private static String rebaseline(RoutingPolicy policy) {
    Map<String, String> annotations = policy.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(DriftChecker.REBASELINE_ANNOTATION);
  }
}
