package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The Fabric8 CRUD store, behind the mock server's recorded expectations (as Fabric8's {@code
 * KubernetesMixedDispatcher} puts them), doing to what it stores what an API server does and the
 * store alone does not:
 *
 * <ul>
 *   <li>a custom resource is pruned and defaulted by its CRD version's structural schema ({@link
 *       StructuralSchema}) whenever the API server would decode it: when it is created, replaced or
 *       patched ({@code /status} writes included), and when it is read (get, list, watch events),
 *       so an object stored before its CRD changed is served by the CRD it has now;
 *   <li>the undeclared fields a write drops are reported as the API server reports them (its
 *       default {@code fieldValidation=Warn}): a {@code Warning: 299 - "unknown field \"spec.x\""}
 *       header each; {@code fieldValidation=Strict} refuses the write with 400 {@code BadRequest}
 *       instead, {@code Ignore} says nothing;
 *   <li>the built-in kinds Switchboard writes are pruned by their Fabric8 model ({@link
 *       BuiltInSchemas}) on every write, and their dropped fields reported in the same way;
 *   <li>every object's {@code metadata} is checked as the API server checks it ({@link
 *       ObjectMetaRules}): undeclared ObjectMeta fields by {@code fieldValidation}, as above, then
 *       names, labels and annotations, refused with 422 {@code Invalid};
 *   <li>an update may not name another object, change its uid, nor the data of an immutable
 *       ConfigMap or Secret ({@link ObjectMetaRules#updateErrors});
 *   <li>a generated name that is taken is drawn again, as the API server retries it;
 *   <li>a CustomResourceDefinition reports {@code NamesAccepted} and {@code Established} ({@link
 *       CrdStatus}) from its first write on;
 *   <li>a created object's {@code creationTimestamp}, and the {@code deletionTimestamp} of an
 *       object a delete only marks (it has finalizers), are read from the clock it is given.
 * </ul>
 *
 * <p>Replacements and patches are pruned and defaulted inside the store's write, on the object it
 * is about to keep (the store calls {@link #preserveMetadata} for both, before it compares
 * generations), so a patch is applied to its result and a write that only leaves out defaulted
 * fields changes nothing, as on a cluster. A create is applied to its body. Reads apply the schema
 * to the answer, never to the stored object: as in etcd, what was stored stays stored (a field a
 * CRD stops declaring comes back if the CRD declares it again; read defaults are not persisted).
 */
final class CrudStore extends KubernetesCrudDispatcher {

  private static final String CRD_API_VERSION = "apiextensions.k8s.io/v1";
  private static final String CRD_COLLECTION =
      "/apis/" + CRD_API_VERSION + "/customresourcedefinitions";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<ServerRequest, Queue<ServerResponse>> expectations;
  private final MockDispatcher expected;
  private final Clock clock;

  /** Draws the suffixes of generated names. */
  private final RandomGenerator names;

  /** The served versions with a schema, by CRD name; guarded by itself. */
  private final Map<String, List<ServedVersion>> schemasByCrd = new HashMap<>();

  /** Schemas by {@code group/version/plural}, for creates and reads (read without the lock). */
  private volatile Map<String, StructuralSchema> byResource = Map.of();

  /** Schemas by {@code apiVersion} + space + {@code kind}, for replacements, patches, items. */
  private volatile Map<String, StructuralSchema> byKind = Map.of();

  /** The replacement or patch in progress on this thread (the store writes under its lock). */
  private final ThreadLocal<Write> write = new ThreadLocal<>();

  /** The create in progress on this thread (the store writes under its lock). */
  private final ThreadLocal<Create> creating = new ThreadLocal<>();

  /**
   * The {@code fieldValidation} of the write in progress on this thread, read from its query string
   * before a {@code /status} write loses it ({@link #dispatch}).
   */
  private final ThreadLocal<Directive> requested = new ThreadLocal<>();

  /** Whether a delete is in progress on this thread (the store deletes under its lock). */
  private final ThreadLocal<Boolean> deleting = new ThreadLocal<>();

  /**
   * @param expectations the mock server's recorded answers, which come before the store
   * @param clock the time of creations and of the CRD conditions' {@code lastTransitionTime}
   */
  CrudStore(Map<ServerRequest, Queue<ServerResponse>> expectations, Clock clock) {
    this(expectations, clock, () -> ThreadLocalRandom.current().nextLong());
  }

  /**
   * @param names the source of generated names' suffixes (a test forces a collision with it)
   */
  CrudStore(
      Map<ServerRequest, Queue<ServerResponse>> expectations, Clock clock, RandomGenerator names) {
    this.expectations = expectations;
    this.expected = new MockDispatcher(expectations);
    this.clock = clock;
    this.names = names;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Queue<ServerResponse> answers =
        expectations.get(new SimpleRequest(request.method(), request.getPath()));
    if (answers != null && !answers.isEmpty()) {
      return expected.dispatch(request);
    }
    MockResponse answer;
    if (request.method() == HttpMethod.GET) {
      answer = super.dispatch(request);
    } else {
      requested.set(Directive.of(request.getPath()));
      try {
        answer = super.dispatch(asStored(request));
      } finally {
        requested.remove();
      }
    }
    if (request.method() == HttpMethod.GET
        && (answer.code() == 200 || answer.getWebSocketListener() != null)
        && schemaAt(withoutQuery(request.getPath())) != null) {
      asRead(answer);
    }
    return answer;
  }

  /**
   * The request as the store takes it: a {@code /status} write without its query string. The store
   * stops treating ".../status" as the subresource once a query string follows it (kubectl adds
   * {@code ?fieldManager=...}; the Fabric8 client {@code ?fieldValidation=...}): the write would
   * then silently change nothing. The parameters that matter were read before ({@link #requested}).
   */
  private static RecordedRequest asStored(RecordedRequest request) {
    String path = withoutQuery(request.getPath());
    if (!path.endsWith("/status") || path.equals(request.getPath())) {
      return request;
    }
    return new RecordedRequest(
        request.getHttpVersion(), request.method(), path, request.getHeaders(), request.getBody());
  }

  /** The {@code fieldValidation} of the write in progress (read by {@link #dispatch}). */
  private Directive requested(RecordedRequest request) {
    Directive directive = requested.get();
    return directive != null ? directive : Directive.of(request.getPath());
  }

  /** A read answer (object, list or watch) with its objects as decoded from storage. */
  private void asRead(MockResponse answer) {
    WebSocketListener watch = answer.getWebSocketListener();
    if (watch != null) {
      answer.withWebSocketUpgrade(new WatchAsRead(watch));
      return;
    }
    if (answer.getBody() == null) {
      return;
    }
    JsonNode body;
    try {
      body = JSON.readTree(answer.getBody().getBytes());
    } catch (IOException e) {
      return;
    }
    if (applyOnRead(body)) {
      answer.setBody(body.toString());
    }
  }

  /** Applies the schemas to an object or to the items of a list; whether anything changed. */
  private boolean applyOnRead(JsonNode objectOrList) {
    if (!(objectOrList instanceof ObjectNode object)) {
      return false;
    }
    JsonNode items = object.get("items");
    if (items != null && items.isArray() && object.path("kind").asText().endsWith("List")) {
      boolean changed = false;
      for (JsonNode item : items) {
        changed |= applyOnRead(item);
      }
      return changed;
    }
    StructuralSchema schema = schemaOf(object);
    return schema != null && schema.applyTo(object).changed();
  }

  private StructuralSchema schemaOf(ObjectNode object) {
    return byKind.get(object.path("apiVersion").asText() + " " + object.path("kind").asText());
  }

  /**
   * The apiserver's {@code maxNameGenerationCreateAttempts}: a create whose generated name is taken
   * is tried again with a new name, this many times in all (the {@code RetryGenerateName} feature,
   * on by default since Kubernetes 1.31).
   */
  private static final int NAME_GENERATION_ATTEMPTS = 8;

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    Directive directive = requested(request);
    for (int attempt = 1; ; attempt++) {
      List<String> unknownFields = new ArrayList<>(0);
      Create create = new Create();
      RecordedRequest decoded;
      try {
        decoded = decoded(request, directive, unknownFields, create);
      } catch (Refused e) {
        return e.answer();
      }
      creating.set(create);
      MockResponse answer;
      try {
        answer = super.handleCreate(decoded);
      } finally {
        creating.remove();
      }
      if (answer.code() == 409 && create.generatedName != null) {
        if (attempt < NAME_GENERATION_ATTEMPTS) {
          continue;
        }
        return generateNameConflict(request.getPath(), create.generatedName);
      }
      if (create.stored != null && answer.code() == 201) {
        answer.setBody(create.stored); // the object as stored, with the clock's creation time
      }
      return withWarnings(answer, directive, unknownFields);
    }
  }

  /**
   * The API server's answer when every generated name it tried was taken ({@code
   * rest.CheckGeneratedNameError}, {@code errors.NewGenerateNameConflict}): 409 {@code
   * AlreadyExists} naming the resource (not the kind), and a second to wait before trying again.
   */
  private static MockResponse generateNameConflict(String path, String name) {
    // /api/v1/[namespaces/ns/]plural or /apis/group/version/[namespaces/ns/]plural
    String[] segments = withoutQuery(path).substring(1).split("/");
    String group = segments[0].equals("apis") ? segments[1] : "";
    String resource = segments[segments.length - 1];
    String qualified = group.isEmpty() ? resource : resource + "." + group;
    ObjectNode status = JSON.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    status
        .put("status", "Failure")
        .put(
            "message",
            qualified
                + " "
                + quoted(name)
                + " already exists, the server was not able to generate a unique name for the"
                + " object")
        .put("reason", "AlreadyExists");
    ObjectNode details = status.putObject("details").put("name", name);
    if (!group.isEmpty()) {
      details.put("group", group);
    }
    details.put("kind", resource).put("retryAfterSeconds", 1);
    status.put("code", 409);
    return new MockResponse()
        .setResponseCode(409)
        .setHeader("Content-Type", "application/json")
        .setBody(status.toString());
  }

  /**
   * The create in progress on this thread: the name generated for it, if any, and what the store
   * kept (with the clock's stamp).
   */
  private static final class Create {
    private String generatedName;
    private String stored;
  }

  /**
   * The create request with its object pruned and defaulted (a CRD: with its status), or itself
   * when there is nothing to change.
   *
   * @throws Refused when the API server would refuse the object: an undeclared field under {@code
   *     fieldValidation=Strict}, then invalid metadata ({@link ObjectMetaRules})
   */
  private RecordedRequest decoded(
      RecordedRequest request, Directive directive, List<String> unknownFields, Create create) {
    if (request.getBody() == null) {
      return request;
    }
    String path = withoutQuery(request.getPath());
    boolean crd = path.equals(CRD_COLLECTION);
    StructuralSchema schema = crd ? null : schemaAt(path);
    JsonNode object;
    try {
      object = JSON.readTree(request.getBody().getBytes());
    } catch (IOException e) {
      return request; // the store answers a malformed body itself
    }
    if (!(object instanceof ObjectNode node)) {
      return request;
    }
    if (schema == null && !crd) {
      schema = BuiltInSchemas.of(node.path("apiVersion").asText(), node.path("kind").asText());
    }
    List<String> unknown = new ArrayList<>(ObjectMetaRules.pruneUnknownFields(node));
    boolean changed = !unknown.isEmpty();
    create.generatedName = generateName(node);
    changed |= create.generatedName != null;
    if (crd) {
      changed |= CrdStatus.establish(node, clock);
    } else if (schema != null) {
      StructuralSchema.Applied applied = schema.applyTo(node);
      unknown.addAll(applied.unknownFields());
      changed |= applied.changed();
    }
    unknown.sort(null);
    directive.check(node, unknown, false);
    unknownFields.addAll(unknown);
    checkMetadata(node);
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
   * The characters the API server's name generator draws from (apiserver's {@code
   * SimpleNameGenerator}: no vowels, so no words, and no look-alike digits).
   */
  private static final String NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  /**
   * Names an object that asks for a generated name ({@code metadata.generateName}, no {@code name})
   * as the API server does: the prefix, cut to 58 characters, and five random characters. The store
   * left alone appends {@code -} and a UUID, a name no cluster makes (for a prefix ending in {@code
   * .}, such as an event's {@code chat.}, one the name rules refuse: a DNS subdomain label cannot
   * start with {@code -}).
   *
   * @return the name given, or null when the object asks for none
   */
  private String generateName(ObjectNode object) {
    if (!(object.get("metadata") instanceof ObjectNode meta)
        || !meta.path("name").asText("").isEmpty()
        || meta.path("generateName").asText("").isEmpty()) {
      return null;
    }
    String prefix = meta.get("generateName").asText();
    StringBuilder name = new StringBuilder(prefix.length() > 58 ? prefix.substring(0, 58) : prefix);
    for (int i = 0; i < 5; i++) {
      name.append(NAME_SUFFIX_ALPHABET.charAt(names.nextInt(NAME_SUFFIX_ALPHABET.length())));
    }
    meta.put("name", name.toString());
    return name.toString();
  }

  @Override
  public MockResponse handleDelete(String path) {
    deleting.set(Boolean.TRUE);
    try {
      return super.handleDelete(path);
    } finally {
      deleting.remove();
    }
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    return writing(request, false, () -> super.handleUpdate(request));
  }

  @Override
  public MockResponse handlePatch(RecordedRequest request) {
    return writing(request, true, () -> super.handlePatch(request));
  }

  /** Runs a replacement or patch, which {@link #preserveMetadata} prunes and defaults. */
  private MockResponse writing(
      RecordedRequest request, boolean patch, Supplier<MockResponse> store) {
    Write current = new Write(requested(request), patch, new ArrayList<>(0));
    write.set(current);
    try {
      return withWarnings(
          inApiServerWords(store.get()), current.directive(), current.unknownFields());
    } catch (Refused e) {
      return e.answer(); // thrown before the store wrote anything
    } finally {
      write.remove();
    }
  }

  /**
   * Called by the store for every replacement and patch (also of {@code /status}) with the object
   * it holds and the one it is about to keep, before it compares generations and resource versions.
   * As the API server: undeclared fields are dropped (or refused under Strict) first, then the
   * metadata is validated.
   */
  @Override
  public void preserveMetadata(JsonNode currentResource, JsonNode updatedResource) {
    checkTarget(currentResource, updatedResource);
    // Before the store copies the stored uid and creationTimestamp into the new object.
    List<ObjectMetaRules.Cause> immutable =
        ObjectMetaRules.updateErrors(currentResource, updatedResource);
    if (!immutable.isEmpty() && updatedResource instanceof ObjectNode object) {
      throw new Refused(ObjectMetaRules.invalid(object, immutable));
    }
    super.preserveMetadata(currentResource, updatedResource);
    if (!(updatedResource instanceof ObjectNode object)) {
      return;
    }
    List<String> unknownFields = new ArrayList<>(ObjectMetaRules.pruneUnknownFields(object));
    unknownFields.addAll(decode(currentResource, object));
    Write current = write.get();
    if (current != null) {
      current.directive().check(object, unknownFields, current.patch());
      current.unknownFields().addAll(unknownFields);
    }
    checkMetadata(object);
  }

  /**
   * Applies the CRD's schema to an object about to be kept (a CRD: keeps its status and
   * conditions); the undeclared fields it dropped.
   */
  private List<String> decode(JsonNode currentResource, ObjectNode object) {
    String apiVersion = object.path("apiVersion").asText();
    String kind = object.path("kind").asText();
    if (CRD_API_VERSION.equals(apiVersion) && "CustomResourceDefinition".equals(kind)) {
      if (!object.has("status") && currentResource.has("status")) {
        // A write of the CRD without status (installCrds, kubectl apply) keeps it, as the API
        // server keeps the status of an object with a status subresource.
        object.set("status", currentResource.get("status").deepCopy());
      }
      CrdStatus.establish(object, clock);
      return List.of();
    }
    StructuralSchema schema = schemaOf(object);
    if (schema == null) {
      schema = BuiltInSchemas.of(apiVersion, kind);
    }
    if (schema == null) {
      return List.of();
    }
    // The API server compares the new object with the old one as read from storage.
    if (currentResource instanceof ObjectNode current) {
      StructuralSchema schemaOfCurrent = schemaOf(current);
      if (schemaOfCurrent != null) {
        schemaOfCurrent.applyTo(current);
      }
    }
    return schema.applyTo(object).unknownFields();
  }

  /**
   * Refuses, as apiserver's {@code handlers.checkName} does with 400 BadRequest before anything is
   * validated, a replacement or patch whose object names another object than the one written
   * (another name or namespace than the URL's, which are the stored object's).
   */
  private static void checkTarget(JsonNode current, JsonNode updated) {
    String name = current.path("metadata").path("name").asText("");
    String updatedName = updated.path("metadata").path("name").asText("");
    if (!updatedName.equals(name)) {
      throw new Refused(
          badRequest(
              "the name of the object ("
                  + updatedName
                  + ") does not match the name on the URL ("
                  + name
                  + ")"));
    }
    String namespace = current.path("metadata").path("namespace").asText("");
    String updatedNamespace = updated.path("metadata").path("namespace").asText("");
    if (!namespace.isEmpty()
        && !updatedNamespace.isEmpty()
        && !updatedNamespace.equals(namespace)) {
      throw new Refused(
          badRequest(
              "the namespace of the object ("
                  + updatedNamespace
                  + ") does not match the namespace on the request ("
                  + namespace
                  + ")"));
    }
  }

  /**
   * The store's refusal of an object in another namespace than the URL's, in the API server's words
   * ({@code handlers.checkName}: "… does not match the namespace on the request (…)"); the store
   * checks it before {@link #checkTarget} would.
   */
  private static MockResponse inApiServerWords(MockResponse answer) {
    if (answer.code() == 400 && answer.getBody() != null) {
      String body = new String(answer.getBody().getBytes(), StandardCharsets.UTF_8);
      if (body.contains(STORE_NAMESPACE_MISMATCH)) {
        answer.setBody(
            body.replace(STORE_NAMESPACE_MISMATCH, "does not match the namespace on the request"));
      }
    }
    return answer;
  }

  private static final String STORE_NAMESPACE_MISMATCH = "does not match the namespace on the URL";

  /** A 400 {@code BadRequest} Status with {@code message}. */
  private static MockResponse badRequest(String message) {
    ObjectNode status = JSON.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    status
        .put("status", "Failure")
        .put("message", message)
        .put("reason", "BadRequest")
        .put("code", 400);
    return new MockResponse()
        .setResponseCode(400)
        .setHeader("Content-Type", "application/json")
        .setBody(status.toString());
  }

  /** Refuses, as the API server does with 422 Invalid, an object whose metadata is invalid. */
  private static void checkMetadata(ObjectNode object) {
    List<ObjectMetaRules.Cause> causes = ObjectMetaRules.validate(object);
    if (!causes.isEmpty()) {
      throw new Refused(ObjectMetaRules.invalid(object, causes));
    }
  }

  /**
   * The store's answer with a {@code Warning} header per dropped field, as the API server warns
   * with {@code fieldValidation=Warn} (its default since 1.27).
   */
  private static MockResponse withWarnings(
      MockResponse answer, Directive directive, List<String> unknownFields) {
    if (directive == Directive.WARN && answer.code() < 300) {
      for (String field : unknownFields) {
        answer.addHeader("Warning", "299 - " + quoted("unknown field " + quoted(field)));
      }
    }
    return answer;
  }

  /** An HTTP quoted-string (RFC 9110), as Go's {@code %q} writes these paths. */
  private static String quoted(String text) {
    return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** A replacement or patch being written: its field validation and the fields it dropped. */
  private record Write(Directive directive, boolean patch, List<String> unknownFields) {}

  /**
   * The request's {@code fieldValidation}: Strict refuses undeclared fields, Warn (the default)
   * drops them with a warning, Ignore drops them silently.
   */
  private enum Directive {
    STRICT,
    WARN,
    IGNORE;

    static Directive of(String path) {
      int query = path.indexOf('?');
      if (query >= 0) {
        for (String parameter : path.substring(query + 1).split("&")) {
          switch (parameter) {
            case "fieldValidation=Strict" -> {
              return STRICT;
            }
            case "fieldValidation=Ignore" -> {
              return IGNORE;
            }
            default -> {}
          }
        }
      }
      return WARN;
    }

    /**
     * Throws, under Strict, when the object had undeclared fields.
     *
     * @param patch whether {@code object} is the result of a patch, which the API server refuses in
     *     other words than a body it decodes
     */
    void check(ObjectNode object, List<String> unknownFields, boolean patch) {
      if (this == STRICT && !unknownFields.isEmpty()) {
        throw patch
            ? new Refused(strictPatchError(object, unknownFields))
            : new StrictDecodingFailure(object, unknownFields);
      }
    }
  }

  /**
   * A write refused with the API server's answer; unchecked, so it leaves the store's write (whose
   * lock is released in a {@code finally}) before anything is stored.
   */
  private static class Refused extends RuntimeException {
    private final transient MockResponse answer;

    Refused(MockResponse answer) {
      super(null, null, false, false);
      this.answer = answer;
    }

    MockResponse answer() {
      return answer;
    }
  }

  /**
   * {@code runtime.StrictDecodingError}'s text: {@code strict decoding error: unknown field "a",
   * …}.
   */
  private static String strictDecodingMessage(List<String> unknownFields) {
    StringBuilder message = new StringBuilder("strict decoding error: ");
    for (int i = 0; i < unknownFields.size(); i++) {
      message
          .append(i == 0 ? "" : ", ")
          .append("unknown field ")
          .append(quoted(unknownFields.get(i)));
    }
    return message.toString();
  }

  /**
   * The refusal of a patch whose result has undeclared fields under Strict. The API server does not
   * decode a patch as a request body (no "… cannot be handled as a …"): apiserver's {@code
   * handlers/patch.go}, {@code jsonPatcher.applyPatchToCurrentObject}, answers {@code
   * errors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"),
   * string(patchedObjJS), strictDecodingError.Error())})}: a 422 {@code Invalid} of no kind and no
   * name whose one cause is the field {@code patch}, its value the patched object's JSON.
   */
  private static MockResponse strictPatchError(ObjectNode patched, List<String> unknownFields) {
    ObjectNode anonymous = JSON.createObjectNode();
    anonymous.putObject("metadata");
    return ObjectMetaRules.invalid(
        anonymous,
        List.of(
            ObjectMetaRules.Cause.invalid(
                "patch", patched.toString(), strictDecodingMessage(unknownFields))));
  }

  /** A write refused under {@code fieldValidation=Strict}. */
  private static final class StrictDecodingFailure extends Refused {

    StrictDecodingFailure(ObjectNode object, List<String> unknownFields) {
      super(strictDecodingError(object, unknownFields));
    }

    private static MockResponse strictDecodingError(ObjectNode object, List<String> unknownFields) {
      String kind = object.path("kind").asText();
      String apiVersion = object.path("apiVersion").asText();
      String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
      StringBuilder message =
          new StringBuilder()
              .append(kind)
              .append(" in version ")
              .append(quoted(version))
              .append(" cannot be handled as a ")
              .append(kind)
              .append(": ")
              .append(strictDecodingMessage(unknownFields));
      return badRequest(message.toString());
    }
  }

  /**
   * A watch whose events carry their objects as decoded from storage (the store sends what it
   * keeps, and replays every object when the watch opens).
   */
  private final class WatchAsRead extends WebSocketListener {
    private final WebSocketListener delegate;
    private WebSocket socket;
    private WebSocket decoding;

    WatchAsRead(WebSocketListener delegate) {
      this.delegate = delegate;
    }

    /** The socket the store sends on, decoding every event it sends; one per watch. */
    private synchronized WebSocket decoding(WebSocket webSocket) {
      if (webSocket != socket) {
        socket = webSocket;
        decoding = new DecodingSocket(webSocket);
      }
      return decoding;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(decoding(webSocket), response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      delegate.onOpen(decoding(webSocket), response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(decoding(webSocket), text);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(decoding(webSocket), bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      delegate.onClosing(decoding(webSocket), code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      delegate.onClosed(decoding(webSocket), code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      delegate.onFailure(decoding(webSocket), t, response);
    }
  }

  /** Sends watch events with the schema applied to their objects. */
  private final class DecodingSocket implements WebSocket {
    private final WebSocket socket;

    DecodingSocket(WebSocket socket) {
      this.socket = socket;
    }

    @Override
    public RecordedRequest request() {
      return socket.request();
    }

    @Override
    public boolean send(String text) {
      try {
        if (JSON.readTree(text) instanceof ObjectNode event
            && event.get("object") instanceof ObjectNode object
            && applyOnRead(object)) {
          return socket.send(event.toString());
        }
      } catch (IOException e) {
        // not an event: sent as it is
      }
      return socket.send(text);
    }

    @Override
    public boolean send(byte[] bytes) {
      return socket.send(bytes);
    }

    @Override
    public boolean close(int code, String reason) {
      return socket.close(code, reason);
    }
  }

  /**
   * Called by the store with every object it is about to keep (or drop). A create's object gets its
   * {@code creationTimestamp} from the clock, as every other time this server reports does (the
   * store stamps the system clock's), so that a test moving the clock orders creations without
   * waiting for a second of real time to pass. Likewise the {@code deletionTimestamp} a delete
   * stamps on an object it only marks (one with finalizers: the store keeps it, marked, until they
   * are removed), so that the time a finalizer sees the deletion asked for is the clock's.
   */
  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    // Under the store's write lock.
    String state = newState;
    Create create = creating.get();
    if (create != null && oldAttributes == null && resource != null && newState != null) {
      resource
          .getMetadata()
          .setCreationTimestamp(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
      state = Serialization.asJson(resource);
      create.stored = state;
    } else if (Boolean.TRUE.equals(deleting.get())
        && resource != null
        && newState != null
        && resource.getMetadata().getDeletionTimestamp() != null) {
      // The store marks an object with finalizers (it keeps one already marked as it is).
      resource
          .getMetadata()
          .setDeletionTimestamp(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
      state = Serialization.asJson(resource);
    }
    String previous =
        oldAttributes == null || !path.startsWith(CRD_COLLECTION) ? null : map.get(oldAttributes);
    super.processEvent(path, pathAttributes, oldAttributes, resource, state);
    if (path.startsWith(CRD_COLLECTION)) {
      crdWritten(previous, state);
    }
  }

  /** Keeps the schemas of the CRDs' served versions up to date with the stored CRDs. */
  private void crdWritten(String previous, String current) {
    synchronized (schemasByCrd) {
      try {
        if (previous != null) {
          schemasByCrd.remove(JSON.readTree(previous).path("metadata").path("name").asText());
        }
        if (current != null) {
          JsonNode crd = JSON.readTree(current);
          List<ServedVersion> served = ServedVersion.of(crd);
          if (!served.isEmpty()) {
            schemasByCrd.put(crd.path("metadata").path("name").asText(), served);
          }
        }
      } catch (IOException e) {
        return; // the store keeps only what it could read
      }
      index();
    }
  }

  /** Rebuilds the lookups from {@link #schemasByCrd} (holding its lock). */
  private void index() {
    Map<String, StructuralSchema> resources = new HashMap<>();
    Map<String, StructuralSchema> kinds = new HashMap<>();
    for (List<ServedVersion> versions : schemasByCrd.values()) {
      for (ServedVersion version : versions) {
        resources.put(
            version.group() + "/" + version.version() + "/" + version.plural(), version.schema());
        kinds.put(version.apiVersion() + " " + version.kind(), version.schema());
      }
    }
    byResource = Map.copyOf(resources);
    byKind = Map.copyOf(kinds);
  }

  @Override
  public void reset() {
    super.reset();
    synchronized (schemasByCrd) {
      schemasByCrd.clear();
      index();
    }
  }

  /**
   * The schema of the custom resources at {@code path} (a collection, an object or its {@code
   * /status}), or null.
   */
  private StructuralSchema schemaAt(String path) {
    if (!path.startsWith("/apis/")) {
      return null;
    }
    // g/v/plural[/name[/status]] or g/v/namespaces/ns/plural[/name[/status]]
    String[] segments = path.substring("/apis/".length()).split("/");
    String plural;
    if (segments.length >= 5 && segments[2].equals("namespaces")) {
      plural = segments[4];
    } else if (segments.length >= 3 && segments.length <= 5) {
      plural = segments[2];
    } else {
      return null;
    }
    return byResource.get(segments[0] + "/" + segments[1] + "/" + plural);
  }

  private static String withoutQuery(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  /** A served version of a CRD with a schema. */
  private record ServedVersion(
      String group, String version, String plural, String kind, StructuralSchema schema) {

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
        StructuralSchema.of(version.path("schema").get("openAPIV3Schema"))
            .ifPresent(
                schema ->
                    served.add(
                        new ServedVersion(
                            group, version.path("name").asText(), plural, kind, schema)));
      }
      return List.copyOf(served);
    }
  }
}
