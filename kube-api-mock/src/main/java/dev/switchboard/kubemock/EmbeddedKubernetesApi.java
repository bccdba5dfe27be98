package dev.switchboard.kubemock;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * An in-process Kubernetes API (the Fabric8 mock server in CRUD mode) on plain HTTP at 127.0.0.1.
 *
 * <p>Its Vert.x 4 and Netty 4.1 are relocated into {@code dev.switchboard.kubemock.shaded}, so it
 * runs in the same JVM as a Vert.x 5 / Netty 4.2 application. Clients are ordinary Fabric8 {@link
 * KubernetesClient}s on the JDK HTTP client.
 *
 * <p>What the mock provides: create/read/update/delete/list of any kind, JSON patch and JSON merge
 * patch, {@code resourceVersion} and optimistic locking (409 on a stale update), {@code generation}
 * bumps, finalizers and deletion timestamps, watches and informers, equality label selectors, and
 * the {@code /status} subresource of custom resources whose CustomResourceDefinition was created
 * first (see {@link #installCrds(Path...)}). Like an API server, it prunes and defaults custom
 * resources of an installed CRD by the served version's structural schema whenever it decodes one:
 * on create, replace and patch (the patch's result; {@code /status} writes too) and when it serves
 * one (get, list, watch), so an object stored before its CRD changed is served by the CRD it has
 * now. Undeclared fields are dropped with a {@code Warning} header each ({@code
 * fieldValidation=Strict}: refused with 400); {@code apiVersion} and {@code kind} are never pruned,
 * {@code metadata} (of every kind) only of what ObjectMeta does not declare, and its name, labels
 * and annotations are validated as an API server validates them (422 {@code Invalid}: {@link
 * ObjectMetaRules}); {@code x-kubernetes-preserve-unknown-fields} and {@code
 * x-kubernetes-embedded-resource} are honoured; a non-nullable {@code null} without a default is
 * dropped; defaults follow the API server's rules ({@code default: {}} on an object fills in its
 * children's defaults; array items and map values are defaulted; an absent object without a default
 * of its own stays absent; an explicit {@code null} takes the default unless the field is {@code
 * nullable}). A CRD reports {@code NamesAccepted} and {@code Established} True from its first write
 * on.
 *
 * <p>What it does <em>not</em> provide (test around it, never rely on it):
 *
 * <ul>
 *   <li>server-side apply (answers 415): JOSDK needs {@code
 *       withUseSSAToPatchPrimaryResource(false)} and {@code
 *       withSSABasedCreateUpdateMatchForDependentResources(false)};
 *   <li>garbage collection of owned objects (deleting an owner leaves its dependents);
 *   <li>OpenAPI schema and CEL validation (types, patterns, {@code required}, rules) and version
 *       conversion;
 *   <li>strategic merge patch;
 *   <li>set-based label selectors ({@code in}, {@code notin} silently match everything);
 *   <li>watch bookmarks (a watch replays every existing object as ADDED);
 *   <li>{@code stringData} to {@code data} conversion for Secrets: a Secret created with {@code
 *       stringData} is stored with {@code stringData} and without {@code data}; write base64 {@code
 *       data} if readers look at {@code data};
 *   <li>authentication, authorisation and admission: every request is allowed.
 * </ul>
 *
 * <p>kubectl (via {@link #writeKubeconfig(Path)}) works for {@code get} (custom resources print
 * their CRD's {@code additionalPrinterColumns}: the API answers kubectl's {@code Table} requests),
 * {@code create -f}/{@code apply -f} with {@code --validate=false} (no OpenAPI is served), {@code
 * label}, {@code delete}, {@code patch --type=merge|json} (including {@code --subresource=status})
 * and {@code api-resources}: a small discovery layer lists core kinds and the installed CRDs. It
 * does not work for {@code kubectl get -w} (the mock serves watches over WebSocket only), for
 * bodies sent as protobuf other than Secrets and ConfigMaps (refused with 415), or for re-applying
 * a built-in kind (strategic merge patch). Helm's {@code install} and {@code upgrade} work (its
 * release Secrets are protobuf; see the module README).
 *
 * <p>The underlying mock web server records every request it receives; a long-running process
 * should call {@link #discardRecordedRequests()} now and then. Its per-request INFO logging
 * (java.util.logging, logger {@code io.fabric8.mockwebserver}) is lowered to WARNING unless the
 * system property {@value #LOG_REQUESTS_PROPERTY} is {@code true}.
 */
public final class EmbeddedKubernetesApi implements AutoCloseable {

  /** The namespace of clients from {@link #client()} and {@link #newClient()}. */
  public static final String DEFAULT_NAMESPACE = "default";

  private static final String LOOPBACK = "127.0.0.1";
  private static final String KUBECONFIG_NAME = "switchboard-mock";

  /** What {@code /version} reports; the mock implements no particular version. */
  private static final VersionInfo KUBERNETES_VERSION =
      new VersionInfo.Builder()
          .withMajor("1")
          .withMinor("32")
          .withGitVersion("v1.32.0-switchboard-mock")
          .withPlatform("linux/amd64")
          .build();

  /** Set to {@code true} to keep the mock web server's per-request INFO log lines. */
  public static final String LOG_REQUESTS_PROPERTY = "switchboard.kubemock.logRequests";

  /*
   * The mock web server logs every request at INFO through java.util.logging: thousands of lines
   * per minute once informers and a local stack run. A strong reference keeps the level, since JUL
   * holds loggers weakly and would forget it after a garbage collection.
   */
  private static final Logger MOCK_WEB_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final Map<ServerRequest, Queue<ServerResponse>> expectations;
  private final KubernetesClient client;
  private final List<KubernetesClient> ownedClients = new ArrayList<>();
  private boolean closed;

  private EmbeddedKubernetesApi(
      KubernetesMockServer server, Map<ServerRequest, Queue<ServerResponse>> expectations) {
    this.server = server;
    this.expectations = expectations;
    this.client = newClient();
  }

  /** Starts the API on an ephemeral loopback port. */
  public static EmbeddedKubernetesApi start() {
    return start(0);
  }

  /**
   * Starts the API on the given loopback port.
   *
   * @param port a TCP port on 127.0.0.1, or 0 for an ephemeral one
   */
  public static EmbeddedKubernetesApi start(int port) {
    return start(port, Clock.systemUTC());
  }

  /**
   * Starts the API on the given loopback port; {@code clock} is the "now" of the objects' {@code
   * creationTimestamp}, of the CRD conditions' {@code lastTransitionTime} and that AGE columns of
   * kubectl tables are relative to (tests give the clock the code under test reads, and move both
   * at once).
   *
   * @param port a TCP port on 127.0.0.1, or 0 for an ephemeral one
   */
  public static EmbeddedKubernetesApi start(int port, Clock clock) {
    return start(port, clock, () -> ThreadLocalRandom.current().nextLong());
  }

  /**
   * As {@link #start(int, Clock)}, drawing the suffixes of generated names ({@code
   * metadata.generateName}) from {@code names}: a test forces their collisions with it.
   */
  static EmbeddedKubernetesApi start(int port, Clock clock, RandomGenerator names) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be within 0..65535, was " + port);
    }
    if (!Boolean.getBoolean(LOG_REQUESTS_PROPERTY)) {
      MOCK_WEB_SERVER_LOG.setLevel(Level.WARNING);
    }
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            // Discovery documents for kubectl, then expectations (the server registers "/" and
            // "/version" as expectations), then CRUD for everything else.
            new DiscoveryDispatcher(
                new CrudStore(expectations, clock, names), KUBERNETES_VERSION, clock),
            false, // plain HTTP: nothing to trust, and kubectl/curl work without flags
            KUBERNETES_VERSION);
    try {
      server.init(InetAddress.getByName(LOOPBACK), port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve " + LOOPBACK, e);
    }
    try {
      return new EmbeddedKubernetesApi(server, expectations);
    } catch (RuntimeException e) {
      server.destroy();
      throw e;
    }
  }

  /** The base URL of the API, e.g. {@code http://127.0.0.1:34567}, without a trailing slash. */
  public String url() {
    return "http://" + LOOPBACK + ":" + server.getPort();
  }

  /** The port the API listens on. */
  public int port() {
    return server.getPort();
  }

  /**
   * A shared client for this API, namespace {@value #DEFAULT_NAMESPACE}; closed by {@link
   * #close()}.
   */
  public KubernetesClient client() {
    return client;
  }

  /**
   * A new, independent client (its own HTTP client and informer threads), namespace {@value
   * #DEFAULT_NAMESPACE}. The caller may close it; {@link #close()} closes it otherwise.
   */
  public synchronized KubernetesClient newClient() {
    ensureOpen();
    KubernetesClient created =
        new KubernetesClientBuilder()
            .withConfig(clientConfig())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
    ownedClients.add(created);
    return created;
  }

  /**
   * The Fabric8 client configuration for this API: namespace {@value #DEFAULT_NAMESPACE}, short
   * timeouts, HTTP/1.1, and nothing read from the environment or {@code ~/.kube/config}.
   */
  public Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withNamespace(DEFAULT_NAMESPACE)
        // The mock speaks HTTP/1.1; the JDK client's h2c upgrade attempt only costs time.
        .withHttp2Disable(true)
        // Loopback: anything slower than this is a hang, and tests should fail fast on it.
        .withConnectionTimeout(5_000)
        .withRequestTimeout(10_000)
        .withRequestRetryBackoffInterval(100)
        .withRequestRetryBackoffLimit(3)
        // Informers re-establish dropped watches quickly (the default waits a second).
        .withWatchReconnectInterval(200)
        .build();
  }

  /**
   * Writes a kubeconfig pointing at this API, for {@code kubectl --kubeconfig} or any Kubernetes
   * client: one cluster, context and user named {@code switchboard-mock}, namespace {@value
   * #DEFAULT_NAMESPACE}, no credentials (the mock accepts every request). The file is replaced
   * atomically where the file system allows.
   */
  public void writeKubeconfig(Path file) {
    Objects.requireNonNull(file, "file");
    String kubeconfig =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: " + KUBECONFIG_NAME,
            "  cluster:",
            "    server: " + url(),
            "contexts:",
            "- name: " + KUBECONFIG_NAME,
            "  context:",
            "    cluster: " + KUBECONFIG_NAME,
            "    user: " + KUBECONFIG_NAME,
            "    namespace: " + DEFAULT_NAMESPACE,
            "current-context: " + KUBECONFIG_NAME,
            "users:",
            "- name: " + KUBECONFIG_NAME,
            "  user: {}",
            "");
    try {
      Path absolute = file.toAbsolutePath();
      Path directory = absolute.getParent();
      Files.createDirectories(directory);
      // Write then move, so a process polling the path never reads half a file.
      Path temporary = Files.createTempFile(directory, ".kubeconfig-", ".tmp");
      Files.writeString(temporary, kubeconfig, StandardCharsets.UTF_8);
      try {
        Files.move(
            temporary,
            absolute,
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException atomicMoveUnsupported) {
        Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write kubeconfig " + file, e);
    }
  }

  /**
   * Creates (or updates) the CustomResourceDefinitions in the given YAML files and directories.
   * Directories are searched recursively for {@code *.yaml} and {@code *.yml} files, in path order;
   * a file may hold several {@code ---}-separated documents. Install CRDs before creating custom
   * resources: only then does the mock honour their {@code status} subresource and apply their
   * schema defaults. The CRDs report {@code Established} on return.
   *
   * @throws IllegalArgumentException if a path does not exist or a document is not a v1 CRD
   */
  public void installCrds(Path... crdYamlFilesOrDirs) {
    for (Path path : crdYamlFilesOrDirs) {
      for (Path yaml : yamlFiles(path)) {
        try (InputStream in = Files.newInputStream(yaml)) {
          installCrds(in, yaml.toString());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + yaml, e);
        }
      }
    }
  }

  /**
   * Creates (or updates) the CustomResourceDefinitions in a YAML or JSON stream (several {@code
   * ---}-separated documents allowed). The stream is read fully but not closed.
   *
   * @throws IllegalArgumentException if a document is not a v1 CRD
   */
  public void installCrds(InputStream crdYaml) {
    installCrds(crdYaml, "stream");
  }

  private void installCrds(InputStream crdYaml, String source) {
    List<HasMetadata> documents = client.load(crdYaml).items();
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (HasMetadata document : documents) {
      if (!(document instanceof CustomResourceDefinition crd)) {
        throw new IllegalArgumentException(
            source
                + ": expected apiextensions.k8s.io/v1 CustomResourceDefinition documents only, found "
                + document.getApiVersion()
                + "/"
                + document.getKind());
      }
      crds.add(crd);
    }
    for (CustomResourceDefinition crd : crds) {
      // Not server-side apply: the mock answers it with 415.
      client.resource(crd).createOr(NonDeletingOperation::update);
    }
  }

  private static List<Path> yamlFiles(Path path) {
    if (Files.isRegularFile(path)) {
      return List.of(path);
    }
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException("no such CRD file or directory: " + path);
    }
    try (Stream<Path> walk = Files.walk(path)) {
      return walk.filter(Files::isRegularFile)
          .filter(
              p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".yaml") || name.endsWith(".yml");
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + path, e);
    }
  }

  /**
   * The underlying Fabric8 mock server, for what this class does not wrap (request counting with
   * {@code getRequestCount()}, {@code takeRequest()}, {@code expect()} expectations).
   */
  public KubernetesMockServer mockServer() {
    return server;
  }

  /**
   * Removes the answers set up with {@code mockServer().expect()} for {@code method} on {@code
   * path} (an {@code always()} refusal, say): the API answers that request itself again, as a
   * cluster does once whatever refused it (a quota, an admission webhook) is fixed.
   */
  public void forgetExpectation(HttpMethod method, String path) {
    expectations.remove(new SimpleRequest(method, path));
  }

  /**
   * Drops the requests the mock server has recorded so far (it keeps every request for {@code
   * takeRequest()}, which grows without bound in a long-running process).
   *
   * @return how many recorded requests were dropped
   */
  public int discardRecordedRequests() {
    int dropped = 0;
    try {
      while (server.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
        dropped++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return dropped;
  }

  /** Closes every client this instance created, then stops the server. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      for (KubernetesClient owned : ownedClients) {
        owned.close();
      }
      ownedClients.clear();
    } finally {
      server.destroy();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("EmbeddedKubernetesApi is closed");
    }
  }
}
