package dev.switchboard.operator.rollout;

import dev.switchboard.api.v1alpha1.ModelRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link RolloutHooks} backed by the Kubernetes API and a {@link ProgressiveCanaryPlanner}. */
public final class KubernetesRolloutHooks implements RolloutHooks {

  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRolloutHooks.class);

  private final KubernetesClient client;
  private final ProgressiveCanaryPlanner planner;

  public KubernetesRolloutHooks(KubernetesClient client, ProgressiveCanaryPlanner planner) {
    this.client = client;
    this.planner = planner;
  }

  @Override
  public void clearAnnotations(ModelRoute route, Set<String> names) {
    try {
      // edit() sends a JSON patch of the difference: only metadata.annotations changes.
      client
          .resources(ModelRoute.class)
          .inNamespace(route.getMetadata().getNamespace())
          .withName(route.getMetadata().getName())
          .edit(
              current -> {
                Map<String, String> annotations =
                    current.getMetadata().getAnnotations() == null
                        ? new HashMap<>()
                        : new HashMap<>(current.getMetadata().getAnnotations());
                names.forEach(annotations::remove);
                current.getMetadata().setAnnotations(annotations);
                return current;
              });
    } catch (KubernetesClientException e) {
      // The annotation acted once already (the decision is in status); the next reconcile retries.
      LOG.warn(
          "could not clear {} on ModelRoute {}/{}: {}",
          names,
          route.getMetadata().getNamespace(),
          route.getMetadata().getName(),
          e.getMessage());
    }
  }

  @Override
  public void deleted(String namespace, String name) {
    planner.forget(namespace, name);
  }
}
