package dev.switchboard.kubemock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Adds the API discovery documents the mock lacks ({@code /api}, {@code /api/v1}, {@code /apis},
 * {@code /apis/<group>[/<version>]}) in front of the CRUD dispatcher, so that kubectl can map
 * {@code kubectl get cm} or {@code kubectl get modelroutes} to URLs. Custom resources are listed
 * from the CustomResourceDefinitions stored in the mock at the time of the request.
 *
 * <p>A list or get of a custom resource that asks for a {@code meta.k8s.io} {@code Table} in its
 * {@code Accept} header (as {@code kubectl get} does) is answered with one built from the CRD's
 * {@code additionalPrinterColumns} ({@link CustomResourceTables}); the CRUD dispatcher alone
 * answers the plain object or list, which kubectl prints as NAME and AGE only. Built-in kinds keep
 * that behaviour.
 */
final class DiscoveryDispatcher extends Dispatcher implements Resetable, CustomResourceAware {

  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
  private static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /**
   * A few built-in kinds that Switchboard, JOSDK and people with kubectl touch, and those the chart
   * installs (Helm maps every manifest to a resource through discovery first).
   */
  private static final List<BuiltIn> BUILT_INS =
      List.of(
          new BuiltIn("", "v1", "ConfigMap", "configmaps", true, "cm"),
          new BuiltIn("", "v1", "Secret", "secrets", true),
          new BuiltIn("", "v1", "Namespace", "namespaces", false, "ns"),
          new BuiltIn("", "v1", "Event", "events", true, "ev"),
          new BuiltIn("", "v1", "Pod", "pods", true, "po"),
          new BuiltIn("", "v1", "Service", "services", true, "svc"),
          new BuiltIn("", "v1", "ServiceAccount", "serviceaccounts", true, "sa"),
          new BuiltIn("", "v1", "Endpoints", "endpoints", true, "ep"),
          new BuiltIn("apps", "v1", "Deployment", "deployments", true, "deploy"),
          new BuiltIn("coordination.k8s.io", "v1", "Lease", "leases", true),
          new BuiltIn("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
          new BuiltIn("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
          new BuiltIn("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
          new BuiltIn(
              "rbac.authorization.k8s.io",
              "v1",
              "ClusterRoleBinding",
              "clusterrolebindings",
              false),
          new BuiltIn(
              "autoscaling",
              "v2",
              "HorizontalPodAutoscaler",
              "horizontalpodautoscalers",
              true,
              "hpa"),
          new BuiltIn("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, "pdb"),
          new BuiltIn(
              "networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, "netpol"),
          new BuiltIn(
              "apiextensions.k8s.io",
              "v1",
              "CustomResourceDefinition",
              "customresourcedefinitions",
              false,
              "crd",
              "crds"));

  private final CrudStore delegate;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesSerialization serialization = new KubernetesSerialization();

  private final VersionInfo version;
  private final CustomResourceTables tables;

  DiscoveryDispatcher(CrudStore delegate, VersionInfo version) {
    this(delegate, version, Clock.systemUTC());
  }

  /**
   * @param clock the "now" that the {@code date} columns of tables (AGE) are relative to
   */
  DiscoveryDispatcher(CrudStore delegate, VersionInfo version, Clock clock) {
    this.delegate = delegate;
    this.version = version;
    this.tables = new CustomResourceTables(clock);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String contentType = request.getHeader("Content-Type");
    if (contentType != null && contentType.startsWith(PROTOBUF)) {
      // Secrets and ConfigMaps are read (client-go writes them as protobuf; Helm's releases are
      // Secrets). On anything else the CRUD dispatcher would fail on the body and never answer;
      // say why instead.
      Optional<String> json =
          request.getBody() == null
              ? Optional.empty()
              : ProtobufBodies.toJson(request.getBody().getBytes());
      if (json.isEmpty()) {
        return status(
            415,
            "UnsupportedMediaType",
            "the embedded Kubernetes API speaks JSON only (protobuf: Secrets and ConfigMaps)");
      }
      request =
          new RecordedRequest(
              request.getHttpVersion(),
              request.method(),
              request.getPath(),
              request.getHeaders().newBuilder().set("Content-Type", "application/json").build(),
              new Buffer(json.get().getBytes(StandardCharsets.UTF_8)));
    }
    String path = withoutQuery(request.getPath());
    Optional<MockResponse> tooLarge = ObjectSizeLimits.check(request, path, serialization);
    if (tooLarge.isPresent()) {
      return tooLarge.get();
    }
    if (request.method() == HttpMethod.GET) {
      Optional<MockResponse> discovery = discovery(path);
      if (discovery.isPresent()) {
        return discovery.get();
      }
      Optional<String> tableVersion = tableVersion(request);
      if (tableVersion.isPresent()) {
        Optional<MockResponse> table = table(request, path, tableVersion.get());
        if (table.isPresent()) {
          return table.get();
        }
      }
    }
    return store(request, path);
  }

  /** The CRUD store's answer, as an API server would give it ({@link StoreAnswers}). */
  private MockResponse store(RecordedRequest request, String path) {
    return StoreAnswers.likeAnApiServer(
        request.method(),
        isWatch(request.getPath()),
        path,
        delegate.dispatch(request),
        this::listKind);
  }

  /**
   * The list kind of a built-in resource or of an installed CRD's ({@code names.listKind}, else its
   * kind + {@code List}); empty for a resource this API does not know by name.
   */
  private Optional<String> listKind(String group, String version, String plural) {
    for (BuiltIn builtIn : BUILT_INS) {
      if (builtIn.group().equals(group)
          && builtIn.version().equals(version)
          && builtIn.plural().equals(plural)) {
        return Optional.of(builtIn.kind() + "List");
      }
    }
    if (group.isEmpty()) {
      return Optional.empty();
    }
    return servedCrd(group, version, plural)
        .map(
            crd ->
                crd.getSpec().getNames().getListKind() != null
                    ? crd.getSpec().getNames().getListKind()
                    : crd.getSpec().getNames().getKind() + "List");
  }

  private Optional<MockResponse> discovery(String path) {
    if (path.equals("/version")) {
      // Also registered as an expectation by the mock, but matched there only without a query.
      return Optional.of(json(version));
    }
    if (path.equals("/api")) {
      return Optional.of(
          json(
              new APIVersionsBuilder()
                  .withVersions("v1")
                  .withServerAddressByClientCIDRs()
                  .build()));
    }
    if (path.equals("/api/v1")) {
      return Optional.of(resourceList("v1", resources("", "v1")));
    }
    if (path.startsWith("/openapi/")) {
      // No schemas here; kubectl needs --validate=false for create/apply.
      return Optional.of(status(404, "NotFound", "the embedded Kubernetes API serves no OpenAPI"));
    }
    if (!path.startsWith("/apis")) {
      return Optional.empty();
    }
    String[] segments = path.substring("/apis".length()).split("/", -1);
    // "/apis" -> [""], "/apis/g" -> ["", "g"], "/apis/g/v" -> ["", "g", "v"]
    if (segments.length == 1 && segments[0].isEmpty()) {
      return Optional.of(json(groupList()));
    }
    if (segments.length == 2 && !segments[1].isEmpty()) {
      return Optional.of(
          groupList().getGroups().stream()
              .filter(group -> group.getName().equals(segments[1]))
              .findFirst()
              .map(this::json)
              .orElseGet(() -> status(404, "NotFound", "no API group " + segments[1])));
    }
    if (segments.length == 3 && !segments[1].isEmpty() && !segments[2].isEmpty()) {
      List<APIResource> resources = resources(segments[1], segments[2]);
      return Optional.of(
          resources.isEmpty()
              ? status(404, "NotFound", "no API group version " + segments[1] + "/" + segments[2])
              : resourceList(segments[1] + "/" + segments[2], resources));
    }
    return Optional.empty();
  }

  /**
   * The {@code meta.k8s.io} Table version the request accepts ({@code v1} preferred over {@code
   * v1beta1}), empty when it does not ask for a Table or is a watch.
   */
  private static Optional<String> tableVersion(RecordedRequest request) {
    String accept = request.getHeader("Accept");
    if (accept == null || !accept.contains("as=Table") || isWatch(request.getPath())) {
      return Optional.empty();
    }
    boolean v1beta1 = false;
    for (String mediaType : accept.split(",")) {
      Map<String, String> parameters = new LinkedHashMap<>();
      String[] parts = mediaType.split(";");
      for (int i = 1; i < parts.length; i++) {
        String[] pair = parts[i].trim().split("=", 2);
        if (pair.length == 2) {
          parameters.put(pair[0].trim(), pair[1].trim());
        }
      }
      if (!parts[0].trim().equals("application/json")
          || !"Table".equals(parameters.get("as"))
          || !"meta.k8s.io".equals(parameters.get("g"))) {
        continue;
      }
      if ("v1".equals(parameters.get("v"))) {
        return Optional.of("v1");
      }
      v1beta1 |= "v1beta1".equals(parameters.get("v"));
    }
    return v1beta1 ? Optional.of("v1beta1") : Optional.empty();
  }

  private static boolean isWatch(String pathAndQuery) {
    String value = queryParameter(pathAndQuery, "watch");
    return value != null && (value.equals("true") || value.equals("1"));
  }

  private static String queryParameter(String pathAndQuery, String name) {
    int query = pathAndQuery.indexOf('?');
    if (query < 0) {
      return null;
    }
    for (String pair : pathAndQuery.substring(query + 1).split("&")) {
      int equals = pair.indexOf('=');
      String key = equals < 0 ? pair : pair.substring(0, equals);
      if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
        return equals < 0
            ? ""
            : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  /**
   * A Table for a list or get of a custom resource, from what the CRUD dispatcher answers; empty
   * when the path is not a custom resource collection or object (the request then goes on as is).
   */
  private Optional<MockResponse> table(RecordedRequest request, String path, String tableVersion) {
    if (!path.startsWith("/apis/")) {
      return Optional.empty();
    }
    // /apis/g/v[/namespaces/ns]/plural[/name]
    String[] segments = path.substring("/apis/".length()).split("/");
    if (segments.length < 3) {
      return Optional.empty();
    }
    String group = segments[0];
    String version = segments[1];
    List<String> rest = List.of(segments).subList(2, segments.length);
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      rest = rest.subList(2, rest.size());
    }
    if (rest.isEmpty() || rest.size() > 2) {
      return Optional.empty(); // subresources such as .../status keep the plain answer
    }
    String plural = rest.get(0);
    Optional<CustomResourceDefinitionVersion> crdVersion = servedVersion(group, version, plural);
    if (crdVersion.isEmpty()) {
      return Optional.empty();
    }
    MockResponse answer = delegate.dispatch(request);
    if (answer.code() != 200 || answer.getBody() == null) {
      return Optional.of(
          StoreAnswers.likeAnApiServer(request.method(), false, path, answer, this::listKind));
    }
    JsonNode body;
    try {
      body = JSON.readTree(answer.getBody().readUtf8());
    } catch (JsonProcessingException e) {
      return Optional.of(status(500, "InternalError", "the store answered no JSON: " + e));
    }
    return Optional.of(
        rawJson(
            tables.table(
                tableVersion,
                crdVersion.get().getAdditionalPrinterColumns(),
                body,
                queryParameter(request.getPath(), "includeObject"))));
  }

  private Optional<CustomResourceDefinitionVersion> servedVersion(
      String group, String version, String plural) {
    return servedCrd(group, version, plural)
        .flatMap(
            crd ->
                crd.getSpec().getVersions().stream()
                    .filter(v -> v.getName().equals(version))
                    .findFirst());
  }

  /** The installed CRD that serves {@code plural} of {@code group} at {@code version}. */
  private Optional<CustomResourceDefinition> servedCrd(
      String group, String version, String plural) {
    for (CustomResourceDefinition crd : storedCrds()) {
      if (!crd.getSpec().getGroup().equals(group)
          || !crd.getSpec().getNames().getPlural().equals(plural)) {
        continue;
      }
      for (CustomResourceDefinitionVersion crdVersion : crd.getSpec().getVersions()) {
        if (crdVersion.getName().equals(version) && Boolean.TRUE.equals(crdVersion.getServed())) {
          return Optional.of(crd);
        }
      }
    }
    return Optional.empty();
  }

  private MockResponse rawJson(JsonNode body) {
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(body.toString());
  }

  private APIGroupList groupList() {
    // Insertion order: built-ins first, then CRD groups in the order the store returns them.
    Map<String, List<String>> versionsByGroup = new LinkedHashMap<>();
    for (BuiltIn builtIn : BUILT_INS) {
      if (!builtIn.group().isEmpty()) {
        addVersion(versionsByGroup, builtIn.group(), builtIn.version());
      }
    }
    for (CustomResourceDefinition crd : storedCrds()) {
      for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
        if (Boolean.TRUE.equals(version.getServed())) {
          addVersion(versionsByGroup, crd.getSpec().getGroup(), version.getName());
        }
      }
    }
    List<APIGroup> groups = new ArrayList<>();
    versionsByGroup.forEach(
        (group, versions) -> {
          List<GroupVersionForDiscovery> discovered =
              versions.stream()
                  .map(version -> new GroupVersionForDiscovery(group + "/" + version, version))
                  .toList();
          groups.add(
              new APIGroupBuilder()
                  .withName(group)
                  .withVersions(discovered)
                  .withPreferredVersion(discovered.get(0))
                  .build());
        });
    return new APIGroupListBuilder().withGroups(groups).build();
  }

  private static void addVersion(Map<String, List<String>> versionsByGroup, String g, String v) {
    List<String> versions = versionsByGroup.computeIfAbsent(g, unused -> new ArrayList<>());
    if (!versions.contains(v)) {
      versions.add(v);
    }
  }

  private List<APIResource> resources(String group, String version) {
    List<APIResource> resources = new ArrayList<>();
    for (BuiltIn builtIn : BUILT_INS) {
      if (builtIn.group().equals(group) && builtIn.version().equals(version)) {
        resources.add(
            new APIResourceBuilder()
                .withName(builtIn.plural())
                .withSingularName(builtIn.kind().toLowerCase(Locale.ROOT))
                .withKind(builtIn.kind())
                .withNamespaced(builtIn.namespaced())
                .withShortNames(builtIn.shortNames())
                .withVerbs(ALL_VERBS)
                .build());
      }
    }
    if (group.isEmpty()) {
      return resources;
    }
    for (CustomResourceDefinition crd : storedCrds()) {
      if (!crd.getSpec().getGroup().equals(group)) {
        continue;
      }
      for (CustomResourceDefinitionVersion crdVersion : crd.getSpec().getVersions()) {
        if (!crdVersion.getName().equals(version) || !Boolean.TRUE.equals(crdVersion.getServed())) {
          continue;
        }
        var names = crd.getSpec().getNames();
        boolean namespaced = "Namespaced".equals(crd.getSpec().getScope());
        resources.add(
            new APIResourceBuilder()
                .withName(names.getPlural())
                .withSingularName(names.getSingular())
                .withKind(names.getKind())
                .withNamespaced(namespaced)
                .withShortNames(names.getShortNames())
                .withCategories(names.getCategories())
                .withVerbs(ALL_VERBS)
                .build());
        if (crdVersion.getSubresources() != null
            && crdVersion.getSubresources().getStatus() != null) {
          resources.add(
              new APIResourceBuilder()
                  .withName(names.getPlural() + "/status")
                  .withKind(names.getKind())
                  .withNamespaced(namespaced)
                  .withVerbs("get", "patch", "update")
                  .build());
        }
      }
    }
    return resources;
  }

  /** The CRDs in the store, read through the CRUD dispatcher itself (no HTTP, no lock held). */
  private List<CustomResourceDefinition> storedCrds() {
    RecordedRequest list =
        new RecordedRequest("HTTP/1.1", HttpMethod.GET, CRD_PATH, Headers.builder().build(), null);
    MockResponse response = delegate.dispatch(list);
    if (response.code() != 200 || response.getBody() == null) {
      return List.of();
    }
    // The store answers a generic "List"; read its items as CRDs.
    JsonNode items;
    try {
      items = JSON.readTree(response.getBody().readUtf8()).path("items");
    } catch (JsonProcessingException e) {
      return List.of();
    }
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (JsonNode item : items) {
      crds.add(serialization.convertValue(item, CustomResourceDefinition.class));
    }
    return crds;
  }

  private MockResponse resourceList(String groupVersion, List<APIResource> resources) {
    return json(
        new APIResourceListBuilder()
            .withGroupVersion(groupVersion)
            .withResources(resources)
            .build());
  }

  private MockResponse json(Object body) {
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(serialization.asJson(body));
  }

  private MockResponse status(int code, String reason, String message) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(
            serialization.asJson(
                new StatusBuilder()
                    .withStatus("Failure")
                    .withCode(code)
                    .withReason(reason)
                    .withMessage(message)
                    .build()));
  }

  private static String withoutQuery(String path) {
    int query = path.indexOf('?');
    String bare = query < 0 ? path : path.substring(0, query);
    return bare.length() > 1 && bare.endsWith("/") ? bare.substring(0, bare.length() - 1) : bare;
  }

  @Override
  public void reset() {
    delegate.reset();
  }

  @Override
  public void expectCustomResource(CustomResourceDefinitionContext context) {
    delegate.expectCustomResource(context);
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }

  private record BuiltIn(
      String group,
      String version,
      String kind,
      String plural,
      boolean namespaced,
      String... shortNames) {}
}
