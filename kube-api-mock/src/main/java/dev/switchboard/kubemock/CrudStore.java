package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * The Fabric8 CRUD store, behind the mock server's recorded expectations (as Fabric8's {@code
 * KubernetesMixedDispatcher} puts them), doing to what it stores what an API server does and the
 * store alone does not:
 *
 * <ul>
 *   <li>a custom resource gets the {@code default}s of its CRD version's schema ({@link
 *       SchemaDefaults}) when it is created, replaced or patched, {@code /status} writes included
 *       (the API server defaults every object it decodes);
 *   <li>a CustomResourceDefinition reports {@code NamesAccepted} and {@code Established} ({@link
 *       CrdStatus}) from its first write on.
 * </ul>
 *
 * <p>Replacements and patches are defaulted inside the store's write, on the object it is about to
 * keep (the store calls {@link #preserveMetadata} for both, before it compares generations), so a
 * patch is defaulted on its result and a write that only leaves out defaulted fields changes
 * nothing, as on a cluster. A create is defaulted on its body, which is read and written again only
 * when its kind has defaults. Objects stored before their CRD declared a default are served as
 * stored (an API server also defaults what it reads from storage; the mock does not).
 */
final class CrudStore extends KubernetesCrudDispatcher {

  private static final String CRD_API_VERSION = "apiextensions.k8s.io/v1";
  private static final String CRD_COLLECTION =
      "/apis/" + CRD_API_VERSION + "/customresourcedefinitions";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<ServerRequest, Queue<ServerResponse>> expectations;
  private final MockDispatcher expected;
  private final Clock clock;

  /** The served versions with defaults, by CRD name; guarded by itself. */
  private final Map<String, List<ServedVersion>> defaultsByCrd = new HashMap<>();

  /** Defaults by {@code group/version/plural}, for creates (read without the lock). */
  private volatile Map<String, SchemaDefaults> byResource = Map.of();

  /** Defaults by {@code apiVersion} + space + {@code kind}, for replacements and patches. */
  private volatile Map<String, SchemaDefaults> byKind = Map.of();

  /**
   * @param expectations the mock server's recorded answers, which come before the store
   * @param clock the time of the CRD conditions' {@code lastTransitionTime}
   */
  CrudStore(Map<ServerRequest, Queue<ServerResponse>> expectations, Clock clock) {
    this.expectations = expectations;
    this.expected = new MockDispatcher(expectations);
    this.clock = clock;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Queue<ServerResponse> answers =
        expectations.get(new SimpleRequest(request.method(), request.getPath()));
    if (answers != null && !answers.isEmpty()) {
      return expected.dispatch(request);
    }
    return super.dispatch(request);
  }

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    return super.handleCreate(withDefaults(request));
  }

  /** The create request with its object defaulted, or itself when there is nothing to apply. */
  private RecordedRequest withDefaults(RecordedRequest request) {
    if (request.getBody() == null) {
      return request;
    }
    String path = withoutQuery(request.getPath());
    boolean crd = path.equals(CRD_COLLECTION);
    String resource = crd ? null : resourceKey(path);
    SchemaDefaults defaults = resource == null ? null : byResource.get(resource);
    if (!crd && defaults == null) {
      return request; // most creates: nothing to read
    }
    JsonNode object;
    try {
      object = JSON.readTree(request.getBody().getBytes());
    } catch (IOException e) {
      return request; // the store answers a malformed body itself
    }
    if (!(object instanceof ObjectNode node)) {
      return request;
    }
    boolean changed = crd ? CrdStatus.establish(node, clock) : defaults.applyTo(node);
    if (!changed) {
      return request;
    }
    return new RecordedRequest(
        request.getHttpVersion(),
        request.method(),
        request.getPath(),
        request.getHeaders(),
        new Buffer(node.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Called by the store for every replacement and patch (also of {@code /status}) with the object
   * it is about to keep, before it compares generations and resource versions.
   */
  @Override
  public void preserveMetadata(JsonNode currentResource, JsonNode updatedResource) {
    super.preserveMetadata(currentResource, updatedResource);
    if (!(updatedResource instanceof ObjectNode object)) {
      return;
    }
    String apiVersion = object.path("apiVersion").asText();
    String kind = object.path("kind").asText();
    if (CRD_API_VERSION.equals(apiVersion) && "CustomResourceDefinition".equals(kind)) {
      if (!object.has("status") && currentResource.has("status")) {
        // A write of the CRD without status (installCrds, kubectl apply) keeps it, as the API
        // server keeps the status of an object with a status subresource.
        object.set("status", currentResource.get("status").deepCopy());
      }
      CrdStatus.establish(object, clock);
      return;
    }
    SchemaDefaults defaults = byKind.get(apiVersion + " " + kind);
    if (defaults != null) {
      defaults.applyTo(object);
    }
  }

  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    // Under the store's write lock.
    String previous =
        oldAttributes == null || !path.startsWith(CRD_COLLECTION) ? null : map.get(oldAttributes);
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (path.startsWith(CRD_COLLECTION)) {
      crdWritten(previous, newState);
    }
  }

  /** Keeps the defaults of the CRDs' served versions up to date with the stored CRDs. */
  private void crdWritten(String previous, String current) {
    synchronized (defaultsByCrd) {
      try {
        if (previous != null) {
          defaultsByCrd.remove(JSON.readTree(previous).path("metadata").path("name").asText());
        }
        if (current != null) {
          JsonNode crd = JSON.readTree(current);
          List<ServedVersion> served = ServedVersion.of(crd);
          if (!served.isEmpty()) {
            defaultsByCrd.put(crd.path("metadata").path("name").asText(), served);
          }
        }
      } catch (IOException e) {
        return; // the store keeps only what it could read
      }
      index();
    }
  }

  /** Rebuilds the lookups from {@link #defaultsByCrd} (holding its lock). */
  private void index() {
    Map<String, SchemaDefaults> resources = new HashMap<>();
    Map<String, SchemaDefaults> kinds = new HashMap<>();
    for (List<ServedVersion> versions : defaultsByCrd.values()) {
      for (ServedVersion version : versions) {
        resources.put(
            version.group() + "/" + version.version() + "/" + version.plural(), version.defaults());
        kinds.put(version.apiVersion() + " " + version.kind(), version.defaults());
      }
    }
    byResource = Map.copyOf(resources);
    byKind = Map.copyOf(kinds);
  }

  @Override
  public void reset() {
    super.reset();
    synchronized (defaultsByCrd) {
      defaultsByCrd.clear();
      index();
    }
  }

  /** {@code group/version/plural} of a custom resource collection path, else null. */
  private static String resourceKey(String path) {
    if (!path.startsWith("/apis/")) {
      return null;
    }
    // g/v/plural or g/v/namespaces/ns/plural
    String[] segments = path.substring("/apis/".length()).split("/");
    if (segments.length == 3) {
      return segments[0] + "/" + segments[1] + "/" + segments[2];
    }
    if (segments.length == 5 && segments[2].equals("namespaces")) {
      return segments[0] + "/" + segments[1] + "/" + segments[4];
    }
    return null;
  }

  private static String withoutQuery(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  /** A served version of a CRD whose schema declares defaults. */
  private record ServedVersion(
      String group, String version, String plural, String kind, SchemaDefaults defaults) {

    String apiVersion() {
      return group + "/" + version;
    }

    static List<ServedVersion> of(JsonNode crd) {
      JsonNode spec = crd.path("spec");
      String group = spec.path("group").asText();
      String plural = spec.path("names").path("plural").asText();
      String kind = spec.path("names").path("kind").asText();
      List<ServedVersion> served = new ArrayList<>();
      for (JsonNode version : spec.path("versions")) {
        if (!version.path("served").asBoolean(false)) {
          continue;
        }
        SchemaDefaults.of(version.path("schema").get("openAPIV3Schema"))
            .ifPresent(
                defaults ->
                    served.add(
                        new ServedVersion(
                            group, version.path("name").asText(), plural, kind, defaults)));
      }
      return List.copyOf(served);
    }
  }
}
