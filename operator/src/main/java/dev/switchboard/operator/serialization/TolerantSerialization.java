package dev.switchboard.operator.serialization;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The operator's Fabric8 serialization: reads custom resources tolerantly and remembers which
 * fields of each it did not understand.
 *
 * <p>Why: Fabric8's default mapper fails on a field its Java types do not know, the informer then
 * fails, and JOSDK stops the whole operator. That happens on version skew (a newer CRD applied
 * while an older operator still runs, or an operator rolled back), so one such resource would stop
 * serving for everyone. Here unknown fields are skipped, and their paths ({@code
 * spec.retry.maxAtempts}, {@code spec.targets[1].wieght}) are kept per resource version so the
 * reconcilers can say on the resource which fields it ignores (see {@code FieldsRecognized}).
 *
 * <p>How: a Jackson problem handler records each unknown property with its path from the parser's
 * context, and a wrapper around the deserializer of every {@link CustomResource} type collects the
 * paths found while reading that resource and files them under its uid and resourceVersion. The
 * informer hands out typed objects only (and JOSDK reconciles clones of them), so the paths live
 * beside the objects, in a process-wide bounded map, not in them; {@link #unknownFields} looks them
 * up by the object's uid and resourceVersion, which every copy of one version shares.
 */
public final class TolerantSerialization extends KubernetesSerialization {

  /** Resources with unknown fields remembered at most; the oldest entry goes first. */
  static final int MAX_REMEMBERED = 10_000;

  private static final String COLLECTING = TolerantSerialization.class.getName() + ".collecting";

  /**
   * Latest version with unknown fields per resource ("type/namespace/name"), least recently used
   * first, so the bound drops resources nobody looks at any more (deleted ones, typically).
   */
  private static final Map<String, Found> FOUND =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Found> eldest) {
          return size() > MAX_REMEMBERED;
        }
      };

  private record Found(String uid, String resourceVersion, Long generation, List<String> paths) {}

  public TolerantSerialization() {
    this(new ObjectMapper());
  }

  private TolerantSerialization(ObjectMapper mapper) {
    super(mapper, true);
    mapper.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    mapper.addHandler(new RecordUnknownProperty());
    mapper.registerModule(
        new SimpleModule("switchboard-unknown-fields").setDeserializerModifier(new PerResource()));
  }

  /** A client builder with this serialization; add the configuration and HTTP client as usual. */
  public static KubernetesClientBuilder clientBuilder() {
    return new KubernetesClientBuilder().withKubernetesSerialization(new TolerantSerialization());
  }

  /** Whether {@code client} reads with this serialization. */
  public static boolean isUsedBy(KubernetesClient client) {
    return client.getKubernetesSerialization() instanceof TolerantSerialization;
  }

  /**
   * Paths of the fields this version of {@code resource} had that its Java type does not know, in
   * document order; empty when there were none (or the object was not read by this serialization).
   */
  public static List<String> unknownFields(HasMetadata resource) {
    if (resource.getMetadata() == null) {
      return List.of();
    }
    Found found;
    synchronized (FOUND) {
      found = FOUND.get(key(resource));
    }
    // The same version, or another with the same spec (a finalizer added, a status written: the
    // generation moves only with the spec). A reconcile may hold the object the API server answered
    // a metadata write with before the informer has read that version: matched on the version
    // alone, it would report no unknown fields, and a status written from that would lose the
    // condition until the spec changed again.
    return found != null
            && Objects.equals(found.uid(), resource.getMetadata().getUid())
            && (Objects.equals(found.resourceVersion(), resource.getMetadata().getResourceVersion())
                || (found.generation() != null
                    && found.generation().equals(resource.getMetadata().getGeneration())))
        ? found.paths()
        : List.of();
  }

  private static void remember(HasMetadata resource, List<String> paths) {
    if (resource.getMetadata() == null) {
      return;
    }
    Found found =
        new Found(
            resource.getMetadata().getUid(),
            resource.getMetadata().getResourceVersion(),
            resource.getMetadata().getGeneration(),
            List.copyOf(paths));
    synchronized (FOUND) {
      FOUND.put(key(resource), found);
    }
  }

  private static String key(HasMetadata resource) {
    return resource.getClass().getName()
        + "/"
        + resource.getMetadata().getNamespace()
        + "/"
        + resource.getMetadata().getName();
  }

  /** What one resource being read has found so far, and where that resource starts. */
  private record Collecting(JsonStreamContext root, List<String> paths) {}

  /** Skips an unknown property and, inside a custom resource, records its path. */
  private static final class RecordUnknownProperty extends DeserializationProblemHandler {
    @Override
    public boolean handleUnknownProperty(
        DeserializationContext context,
        JsonParser parser,
        JsonDeserializer<?> deserializer,
        Object beanOrClass,
        String propertyName)
        throws IOException {
      @SuppressWarnings("unchecked")
      Deque<Collecting> stack = (Deque<Collecting>) context.getAttribute(COLLECTING);
      if (stack != null && !stack.isEmpty()) {
        Collecting current = stack.peek();
        current.paths().add(path(parser, propertyName, current.root()));
      }
      parser.skipChildren();
      return true;
    }
  }

  /**
   * The path of {@code property} from the resource's root, as kubectl prints it: {@code
   * spec.targets[1].wieght}.
   */
  static String path(JsonParser parser, String property, JsonStreamContext root) {
    JsonStreamContext context = parser.getParsingContext();
    JsonToken token = parser.currentToken();
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
      context = context.getParent(); // the unknown value's own scope; its owner is one up
    }
    List<String> segments = new ArrayList<>();
    segments.add(property);
    // The owner's name is the property itself; above it, each scope's current name or index.
    for (JsonStreamContext scope = context;
        scope != null && scope != root && scope.getParent() != null;
        scope = scope.getParent()) {
      JsonStreamContext parent = scope.getParent();
      if (parent.inArray()) {
        segments.add("[" + parent.getCurrentIndex() + "]");
      } else if (parent.inObject() && parent.getCurrentName() != null) {
        segments.add(parent.getCurrentName());
      }
    }
    StringBuilder path = new StringBuilder();
    for (int i = segments.size() - 1; i >= 0; i--) {
      String segment = segments.get(i);
      if (path.length() > 0 && !segment.startsWith("[")) {
        path.append('.');
      }
      path.append(segment);
    }
    return path.toString();
  }

  /** Wraps the deserializer of every custom resource type in {@link CollectPerResource}. */
  private static final class PerResource extends BeanDeserializerModifier {
    @Override
    public JsonDeserializer<?> modifyDeserializer(
        DeserializationConfig config, BeanDescription description, JsonDeserializer<?> found) {
      return CustomResource.class.isAssignableFrom(description.getBeanClass())
          ? new CollectPerResource(found)
          : found;
    }
  }

  /** Reads one custom resource and files the unknown fields found inside it. */
  private static final class CollectPerResource extends DelegatingDeserializer {

    CollectPerResource(JsonDeserializer<?> delegate) {
      super(delegate);
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
      return new CollectPerResource(delegate);
    }

    @Override
    public Object deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      @SuppressWarnings("unchecked")
      Deque<Collecting> stack = (Deque<Collecting>) context.getAttribute(COLLECTING);
      if (stack == null) {
        stack = new ArrayDeque<>();
        context.setAttribute(COLLECTING, stack);
      }
      Collecting collecting = new Collecting(parser.getParsingContext(), new ArrayList<>());
      stack.push(collecting);
      Object value;
      try {
        value = _delegatee.deserialize(parser, context);
      } finally {
        stack.pop();
      }
      // Only versions with unknown fields are filed: a clone made from the typed object (which
      // has none) must not hide what the version it was cloned from had.
      if (!collecting.paths().isEmpty() && value instanceof HasMetadata resource) {
        remember(resource, collecting.paths());
      }
      return value;
    }
  }
}
