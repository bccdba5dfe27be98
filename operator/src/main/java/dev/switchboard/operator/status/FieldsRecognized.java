package dev.switchboard.operator.status;

import dev.switchboard.operator.serialization.TolerantSerialization;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code FieldsRecognized} condition: present, with status False and reason {@code
 * UnknownFields}, while a resource has fields the operator does not understand; absent otherwise.
 * That is version skew (a CRD newer than the operator, or a rolled-back operator): a misspelt field
 * never reaches the operator, since the API server drops what the installed CRD does not declare
 * when the resource is written (none of Switchboard's CRDs preserves unknown fields). The operator
 * ignores those fields and serves what it understands, so {@code Ready} is decided from the known
 * fields alone; this condition (and a Warning event of the same reason) says what was ignored.
 */
public final class FieldsRecognized {

  public static final String TYPE = "FieldsRecognized";
  public static final String REASON = "UnknownFields";

  private FieldsRecognized() {}

  /**
   * {@code next} with this condition set from {@code resource}'s unknown fields (or removed when it
   * has none), kept after the other conditions; records a Warning event when the condition appears
   * or names other fields than before.
   */
  public static List<Condition> apply(
      HasMetadata resource,
      List<Condition> previous,
      List<Condition> next,
      Conditions conditions,
      EventRecorder events) {
    List<String> unknown = TolerantSerialization.unknownFields(resource);
    List<Condition> result = new ArrayList<>();
    for (Condition condition : next == null ? List.<Condition>of() : next) {
      if (!TYPE.equals(condition.getType())) {
        result.add(condition);
      }
    }
    if (unknown.isEmpty()) {
      return result;
    }
    Conditions.Desired desired = new Conditions.Desired(TYPE, false, REASON, message(unknown));
    Condition condition =
        conditions
            .merge(previous, Set.of(TYPE), List.of(desired), resource.getMetadata().getGeneration())
            .get(0);
    result.add(condition);
    Optional<Condition> before = Conditions.find(previous, TYPE);
    if (before.isEmpty()
        || !Conditions.FALSE.equals(before.get().getStatus())
        || !Objects.equals(before.get().getMessage(), condition.getMessage())) {
      events.record(resource, EventRecorder.WARNING, REASON, condition.getMessage());
    }
    return result;
  }

  private static String message(List<String> unknown) {
    List<String> items = new ArrayList<>();
    for (String path : unknown) {
      items.add("unknown field \"" + path + "\"");
    }
    // The explanation leads, so that a long list cut short by the message cap keeps it.
    items.set(
        0,
        "The installed CRD is newer than the operator, which does not know these fields, ignores"
            + " them and serves the rest (upgrade the operator to the CRDs' release): "
            + items.get(0));
    return Conditions.summary(items, ", ", "");
  }
}
