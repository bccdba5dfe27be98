package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * What the API server does to a custom resource of one CRD version whenever it decodes one, from a
 * request or from storage: prune it ({@link SchemaPruning}), then default it ({@link
 * SchemaDefaults}), in that order (a {@code null} with a default is left by pruning for defaulting
 * to replace).
 */
final class StructuralSchema {

  private final SchemaPruning pruning;
  private final SchemaDefaults defaults; // null: the schema declares no default

  private StructuralSchema(SchemaPruning pruning, SchemaDefaults defaults) {
    this.pruning = pruning;
    this.defaults = defaults;
  }

  /** The schema of a version's {@code openAPIV3Schema}; empty when the version has none. */
  static Optional<StructuralSchema> of(JsonNode openApiV3Schema) {
    SchemaPruning pruning = SchemaPruning.of(openApiV3Schema);
    if (pruning == null) {
      return Optional.empty();
    }
    return Optional.of(
        new StructuralSchema(pruning, SchemaDefaults.of(openApiV3Schema).orElse(null)));
  }

  /** What applying the schema did: the undeclared fields dropped, and whether anything changed. */
  record Applied(List<String> unknownFields, boolean changed) {}

  /** Prunes and defaults {@code object} in place. */
  Applied applyTo(ObjectNode object) {
    SchemaPruning.Pruned pruned = pruning.prune(object);
    boolean defaulted = defaults != null && defaults.applyTo(object);
    return new Applied(pruned.unknownFields(), pruned.changed() || defaulted);
  }
}
