package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The schemas of the built-in kinds Switchboard writes (the operator, the local stack, the chart),
 * so that they are decoded as the API server decodes them into its Go types: a field the type does
 * not declare is dropped, and reported by {@code fieldValidation} (Warn, Strict, Ignore) as a CRD's
 * undeclared fields are ({@link SchemaPruning}). The declared fields are the Jackson properties of
 * the Fabric8 model classes, which are generated from the Kubernetes OpenAPI, so no field list is
 * written by hand here. Built once, at class load; read without locks.
 */
final class BuiltInSchemas {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final List<Class<? extends HasMetadata>> KINDS =
      List.of(
          ConfigMap.class,
          Secret.class,
          io.fabric8.kubernetes.api.model.Event.class,
          io.fabric8.kubernetes.api.model.events.v1.Event.class,
          Lease.class,
          Namespace.class,
          Service.class,
          ServiceAccount.class,
          Deployment.class,
          NetworkPolicy.class,
          PodDisruptionBudget.class,
          HorizontalPodAutoscaler.class,
          Role.class,
          RoleBinding.class,
          ClusterRole.class,
          ClusterRoleBinding.class);

  /** By {@code apiVersion} + space + {@code kind}. */
  private static final Map<String, StructuralSchema> BY_KIND = index();

  private BuiltInSchemas() {}

  /** The schema of a built-in kind, or null when it is not one of {@link #KINDS}. */
  static StructuralSchema of(String apiVersion, String kind) {
    return BY_KIND.get(apiVersion + " " + kind);
  }

  private static Map<String, StructuralSchema> index() {
    Map<String, StructuralSchema> schemas = new HashMap<>();
    for (Class<? extends HasMetadata> kind : KINDS) {
      JsonNode schema = schemaOf(JSON.constructType(kind), new HashSet<>());
      schemas.put(
          HasMetadata.getApiVersion(kind) + " " + HasMetadata.getKind(kind),
          StructuralSchema.of(schema).orElseThrow());
    }
    return Map.copyOf(schemas);
  }

  /**
   * An OpenAPI schema of {@code type} as far as pruning reads one: {@code properties}, {@code
   * items}, {@code additionalProperties}; a value Jackson does not read as a bean of the model
   * ({@code Object}, {@code JsonNode}, an interface) keeps whatever it holds.
   */
  private static ObjectNode schemaOf(JavaType type, Set<Class<?>> enclosing) {
    ObjectNode schema = JSON.createObjectNode();
    if (type.isArrayType() && type.getContentType().getRawClass() == byte.class) {
      return schema.put("type", "string"); // base64
    }
    if (type.isCollectionLikeType() || type.isArrayType()) {
      schema.put("type", "array").set("items", schemaOf(type.getContentType(), enclosing));
      return schema;
    }
    if (type.isMapLikeType()) {
      schema
          .put("type", "object")
          .set("additionalProperties", schemaOf(type.getContentType(), enclosing));
      return schema;
    }
    Class<?> raw = type.getRawClass();
    if (raw.isPrimitive()
        || raw.isEnum()
        || CharSequence.class.isAssignableFrom(raw)
        || Number.class.isAssignableFrom(raw)
        || raw == Boolean.class) {
      return schema;
    }
    if (!isModelBean(raw) || !enclosing.add(raw)) {
      // An untyped value (RawExtension-like), a custom-decoded scalar (IntOrString, Quantity,
      // Time) or a recursive type: nothing the decoder would drop is known here.
      return schema.put("x-kubernetes-preserve-unknown-fields", true);
    }
    schema.put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    BeanDescription bean = JSON.getDeserializationConfig().introspect(type);
    for (BeanPropertyDefinition property : bean.findProperties()) {
      if (property.couldDeserialize()) {
        properties.set(property.getName(), schemaOf(property.getPrimaryType(), enclosing));
      }
    }
    enclosing.remove(raw);
    return schema;
  }

  /** A class of the Fabric8 model that Jackson reads property by property. */
  private static boolean isModelBean(Class<?> raw) {
    if (raw.isInterface() || !raw.getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
      return false;
    }
    JsonDeserialize deserialize = raw.getAnnotation(JsonDeserialize.class);
    return deserialize == null || deserialize.using() == JsonDeserializer.None.class;
  }
}
