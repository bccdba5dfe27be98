package dev.switchboard.operator.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one place where a reconciler's new status meets the resource: sets {@code
 * observedGeneration}, compares with the status the resource has, and asks JOSDK for a status patch
 * only when something changed, so an unchanged world causes no write. Comparison is on the JSON
 * form, which does not depend on the status classes implementing {@code equals}.
 */
public final class StatusUpdater {

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusUpdater() {}

  /**
   * @param observedGeneration setter of the status's observedGeneration
   * @return a status patch when {@code next} differs from the resource's status, else no update
   */
  public static <S, R extends CustomResource<?, S>> UpdateControl<R> patchIfChanged(
      R resource, S next, java.util.function.BiConsumer<S, Long> observedGeneration) {
    observedGeneration.accept(next, resource.getMetadata().getGeneration());
    if (sameJson(resource.getStatus(), next)) {
      return UpdateControl.noUpdate();
    }
    resource.setStatus(next);
    return UpdateControl.patchStatus(resource);
  }

  /**
   * As {@link #patchIfChanged}, but writes the status now (a full replace of the status
   * subresource, with optimistic locking and JOSDK's retry on conflict) and puts the written
   * resource into JOSDK's primary cache. For statuses that carry a state machine (the canary
   * rollout): the next reconcile reads this status even when the informer has not delivered it yet,
   * so no decision is taken twice from an older status.
   *
   * @return whether the status was written
   */
  public static <S, R extends CustomResource<?, S>> boolean writeAndCacheIfChanged(
      R resource,
      S next,
      java.util.function.BiConsumer<S, Long> observedGeneration,
      Context<R> context) {
    observedGeneration.accept(next, resource.getMetadata().getGeneration());
    if (sameJson(resource.getStatus(), next)) {
      return false;
    }
    PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
        resource,
        context,
        current -> {
          current.setStatus(next);
          return current;
        });
    return true;
  }

  /**
   * Whether two status objects serialize to the same JSON, treating absent, null and empty arrays
   * or objects alike (the API server may drop what the operator writes as empty).
   */
  public static boolean sameJson(Object a, Object b) {
    return Objects.equals(normalized(JSON.valueToTree(a)), normalized(JSON.valueToTree(b)));
  }

  private static JsonNode normalized(JsonNode node) {
    if (node == null || node.isNull() || (node.isContainerNode() && node.isEmpty())) {
      return null;
    }
    if (node.isObject()) {
      ObjectNode copy = JSON.createObjectNode();
      node.fields()
          .forEachRemaining(
              field -> {
                JsonNode value = normalized(field.getValue());
                if (value != null) {
                  copy.set(field.getKey(), value);
                }
              });
      return copy.isEmpty() ? null : copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JSON.createArrayNode();
      node.forEach(
          element ->
              copy.add(normalized(element) == null ? NullNode.getInstance() : normalized(element)));
      return copy;
    }
    return node;
  }

  /** The Ready condition's (status, reason) of a resource, for detecting transitions. */
  public static <R extends HasMetadata> String readyState(
      R resource, Function<R, List<Condition>> conditions) {
    return Conditions.find(conditions.apply(resource), Conditions.READY)
        .map(c -> c.getStatus() + "/" + c.getReason())
        .orElse("Unknown/");
  }
}
