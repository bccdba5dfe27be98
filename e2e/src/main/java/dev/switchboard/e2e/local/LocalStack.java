package dev.switchboard.e2e.local;

import dev.switchboard.gateway.ConsumerOptions;
import dev.switchboard.gateway.GatewayMain;
import dev.switchboard.gateway.GatewayOptions;
import dev.switchboard.gateway.GatewayServer;
import dev.switchboard.gateway.config.kubernetes.KubernetesConfigSource;
import dev.switchboard.gateway.request.KeyDigest;
import dev.switchboard.kubemock.EmbeddedKubernetesApi;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import dev.switchboard.operator.OperatorSettings;
import dev.switchboard.operator.SwitchboardOperator;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.time.OffsetClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The whole system in one JVM, wired as in a cluster: an embedded Kubernetes API (Fabric8 mock
 * server, CRUD mode, CRDs installed), the operator reconciling against it, the gateway watching its
 * ConfigMap and Secret through that API, fault-injecting mock providers on loopback, and a config
 * directory applied like a GitOps source.
 */
public final class LocalStack implements AutoCloseable {

  /** The CRDs bundled in this jar (generated from the crds module). */
  static final List<String> CRD_RESOURCES =
      List.of(
          "crds/providerendpoints.switchboard.dev-v1.yml",
          "crds/routingpolicies.switchboard.dev-v1.yml",
          "crds/modelroutes.switchboard.dev-v1.yml",
          "crds/consumers.switchboard.dev-v1.yml");

  /** The namespace documents land in unless they say otherwise. */
  public static final String NAMESPACE = "default";

  private final EmbeddedKubernetesApi api;
  private final Vertx vertx;
  private final Map<Integer, MockProvider> mocks;
  private final SwitchboardOperator operator;
  private final ConfigDirectoryApplier applier;
  private final ConfigDirectoryApplier consumerApplier;
  private final StatusReporter reporter;
  private final GatewayServer gateway;

  private LocalStack(
      EmbeddedKubernetesApi api,
      Vertx vertx,
      Map<Integer, MockProvider> mocks,
      SwitchboardOperator operator,
      ConfigDirectoryApplier applier,
      ConfigDirectoryApplier consumerApplier,
      StatusReporter reporter,
      GatewayServer gateway) {
    this.api = api;
    this.vertx = vertx;
    this.mocks = mocks;
    this.operator = operator;
    this.applier = applier;
    this.consumerApplier = consumerApplier;
    this.reporter = reporter;
    this.gateway = gateway;
  }

  /**
   * What to start.
   *
   * @param testClockOffsetFile TEST ONLY (null: off): the gateway's {@code
   *     --test-clock-offset-file}, whose offset moves its wall clock (price and schedule windows)
   * @param consumerDir a directory of Consumers to apply and watch too (null: none), as {@code
   *     --with-consumer} applies {@code config-samples/local-consumer}
   * @param operatorClock TEST ONLY (null: the system clock): the in-process operator's clock, e.g.
   *     an {@link OffsetClock} a test advances to run 30 nights of drift checks in seconds
   */
  public record Options(
      Path configDir,
      String host,
      int port,
      int adminPort,
      Path kubeconfigOut,
      Map<Integer, MockProviderOptions> mockProviders,
      long configDirPollMillis,
      Path testClockOffsetFile,
      Path consumerDir,
      Clock operatorClock) {

    public static Options defaults() {
      return new Options(
          Path.of("config-samples/local"),
          "127.0.0.1",
          8080,
          GatewayOptions.DEFAULT_ADMIN_PORT,
          null,
          defaultMocks(),
          200,
          null,
          null,
          null);
    }

    public Options withConfigDir(Path dir) {
      return new Options(
          dir,
          host,
          port,
          adminPort,
          kubeconfigOut,
          mockProviders,
          configDirPollMillis,
          testClockOffsetFile,
          consumerDir,
          operatorClock);
    }

    public Options withPort(int value) {
      return new Options(
          configDir,
          host,
          value,
          adminPort,
          kubeconfigOut,
          mockProviders,
          configDirPollMillis,
          testClockOffsetFile,
          consumerDir,
          operatorClock);
    }

    /** The gateway's admin port ({@code /admin/*}, {@code /metrics}); 0 picks a free one. */
    public Options withAdminPort(int value) {
      return new Options(
          configDir,
          host,
          port,
          value,
          kubeconfigOut,
          mockProviders,
          configDirPollMillis,
          testClockOffsetFile,
          consumerDir,
          operatorClock);
    }

    public Options withKubeconfigOut(Path file) {
      return new Options(
          configDir,
          host,
          port,
          adminPort,
          file,
          mockProviders,
          configDirPollMillis,
          testClockOffsetFile,
          consumerDir,
          operatorClock);
    }

    /** TEST ONLY: the file whose offset moves the gateway's wall clock. */
    public Options withTestClockOffsetFile(Path file) {
      return new Options(
          configDir,
          host,
          port,
          adminPort,
          kubeconfigOut,
          mockProviders,
          configDirPollMillis,
          file,
          consumerDir,
          operatorClock);
    }

    /**
     * Also apply and watch a directory of Consumers (and their key Secrets), as the launcher's
     * {@code --with-consumer} does with {@code config-samples/local-consumer}; null: none.
     */
    public Options withConsumerDir(Path dir) {
      return new Options(
          configDir,
          host,
          port,
          adminPort,
          kubeconfigOut,
          mockProviders,
          configDirPollMillis,
          testClockOffsetFile,
          dir,
          operatorClock);
    }

    /**
     * TEST ONLY: run the operator on {@code clock} instead of the system clock (an {@link
     * OffsetClock} lets a test jump it ahead; the operator then re-checks drift schedules every
     * {@link OffsetClock#RECHECK}).
     */
    public Options withOperatorClock(Clock clock) {
      return new Options(
          configDir,
          host,
          port,
          adminPort,
          kubeconfigOut,
          mockProviders,
          configDirPollMillis,
          testClockOffsetFile,
          consumerDir,
          clock);
    }

    public Options withMockProviders(Map<Integer, MockProviderOptions> mocks) {
      return new Options(
          configDir,
          host,
          port,
          adminPort,
          kubeconfigOut,
          mocks,
          configDirPollMillis,
          testClockOffsetFile,
          consumerDir,
          operatorClock);
    }
  }

  /** The ports {@code config-samples/local} points its three ProviderEndpoints at. */
  public static final int PRIMARY_PORT = 18081;

  public static final int SECONDARY_PORT = 18082;
  public static final int AZURE_PORT = 18083;

  /**
   * Starts every part and waits until the gateway serves a routing table rendered from the config
   * directory (or, when the directory holds no routes, until the parts are up).
   */
  public static LocalStack start(Options options, Consumer<String> console) {
    List<AutoCloseable> started = new ArrayList<>();
    try {
      EmbeddedKubernetesApi api = EmbeddedKubernetesApi.start();
      started.add(api);
      for (String crd : CRD_RESOURCES) {
        try (InputStream in = LocalStack.class.getClassLoader().getResourceAsStream(crd)) {
          if (in == null) {
            throw new IllegalStateException("CRD " + crd + " is missing from the launcher");
          }
          api.installCrds(in);
        }
      }
      if (options.kubeconfigOut() != null) {
        api.writeKubeconfig(options.kubeconfigOut());
      }

      // As the gateway's own main runs it (native epoll on Linux), so the stack is what ships.
      Vertx vertx = Vertx.vertx(GatewayMain.vertxOptions());
      started.add(() -> vertx.close().await(10, TimeUnit.SECONDS));
      Map<Integer, MockProvider> mocks = new LinkedHashMap<>();
      for (var entry : options.mockProviders().entrySet()) {
        MockProvider mock =
            MockProvider.startBlocking(
                vertx, entry.getValue().host("127.0.0.1").port(entry.getKey()));
        mocks.put(entry.getKey(), mock);
      }

      // Canary analysis scrapes the gateway started below on its admin port (known only then).
      AtomicReference<GatewayServer> gatewayRef = new AtomicReference<>();
      GatewayTargets gatewayMetrics =
          namespace ->
              gatewayRef.get() == null
                  ? List.of()
                  : List.of(
                      URI.create("http://127.0.0.1:" + gatewayRef.get().adminPort() + "/metrics"));
      KubernetesClient operatorClient =
          TolerantSerialization.clientBuilder().withConfig(api.clientConfig()).build();
      started.add(operatorClient);
      SwitchboardOperator operator =
          SwitchboardOperator.start(
              operatorClient,
              OperatorSettings.forMockApiServer(),
              options.operatorClock() == null ? Clock.systemUTC() : options.operatorClock(),
              gatewayMetrics);
      started.add(operator);

      ConfigDirectoryApplier applier =
          new ConfigDirectoryApplier(api.client(), options.configDir(), NAMESPACE, console);
      started.add(applier);
      StatusReporter reporter = new StatusReporter(api.client(), console, applier::fileOf);
      started.add(reporter);
      applier.applyAll();
      applier.watch(options.configDirPollMillis());
      ConfigDirectoryApplier consumerApplier = null;
      if (options.consumerDir() != null) {
        // A second applier of its own: it deletes only what it applied, so the two never fight.
        consumerApplier =
            new ConfigDirectoryApplier(api.client(), options.consumerDir(), NAMESPACE, console);
        started.add(consumerApplier);
        consumerApplier.applyAll();
        consumerApplier.watch(options.configDirPollMillis());
      }

      GatewayServer gateway =
          GatewayServer.start(
                  vertx,
                  GatewayOptions.defaults()
                      .withHost(options.host())
                      .withPort(options.port())
                      .withAdminPort(options.adminPort())
                      .withNamespace(NAMESPACE)
                      .withTestClockOffsetFile(options.testClockOffsetFile())
                      .withConsumers(
                          ConsumerOptions.defaults()
                              .withAdminKeySha256(List.of(KeyDigest.of(ADMIN_KEY)))),
                  new KubernetesConfigSource(api.newClient(), NAMESPACE, true))
              .await(30, TimeUnit.SECONDS);
      gatewayRef.set(gateway);
      return new LocalStack(
          api, vertx, mocks, operator, applier, consumerApplier, reporter, gateway);
    } catch (IOException e) {
      closeAll(started);
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      closeAll(started);
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /** Waits until the gateway has loaded a routing table (the operator rendered one). */
  public boolean awaitRoutingTable(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (gateway.routingState().current().isPresent()) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  public int port() {
    return gateway.port();
  }

  /**
   * The local stack's admin key, a published demo value like the sample Consumer's key: the
   * operator's table closes the gateway's {@code /admin/*} to all but the operator, so a person
   * (and a test) reads them with this ({@code Authorization: Bearer}; the gateway holds only its
   * SHA-256, {@code --admin-key-sha256}). {@code /metrics} needs none.
   */
  public static final String ADMIN_KEY = "sb-local-admin";

  /** The gateway's admin port ({@code /admin/config}, {@code /metrics}). */
  public int adminPort() {
    return gateway.adminPort();
  }

  /** The gateway's admin origin, e.g. {@code http://127.0.0.1:9090}. */
  public String adminUrl() {
    return "http://127.0.0.1:" + gateway.adminPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + gateway.port() + "/v1";
  }

  public EmbeddedKubernetesApi api() {
    return api;
  }

  public GatewayServer gateway() {
    return gateway;
  }

  public SwitchboardOperator operator() {
    return operator;
  }

  public ConfigDirectoryApplier applier() {
    return applier;
  }

  /** The applier of {@link Options#consumerDir()}, or null when the stack has none. */
  public ConfigDirectoryApplier consumerApplier() {
    return consumerApplier;
  }

  /** The mock provider listening on {@code port}. */
  public MockProvider mock(int port) {
    return mocks.get(port);
  }

  @Override
  public void close() {
    List<AutoCloseable> parts = new ArrayList<>();
    parts.add(api);
    parts.add(() -> vertx.close().await(10, TimeUnit.SECONDS));
    mocks.values().forEach(m -> parts.add(m::close));
    parts.add(operator);
    parts.add(applier);
    if (consumerApplier != null) {
      parts.add(consumerApplier);
    }
    parts.add(reporter);
    parts.add(() -> gateway.close().await(10, TimeUnit.SECONDS));
    closeAll(parts);
  }

  /** Closes in reverse start order: the gateway and operator stop before what they talk to. */
  private static void closeAll(List<AutoCloseable> startOrder) {
    List<AutoCloseable> parts = new ArrayList<>(startOrder);
    java.util.Collections.reverse(parts);
    for (AutoCloseable part : parts) {
      try {
        part.close();
      } catch (Exception ignored) {
        // Shutting down: one part failing to stop must not keep the others running.
      }
    }
  }

  /**
   * The mock providers the {@code config-samples/local} set points at, by port: primary (OpenAI
   * shape), secondary (a self-hosted OpenAI-compatible server) and one serving the Azure shape.
   */
  public static Map<Integer, MockProviderOptions> defaultMocks() {
    return defaultMocks(PRIMARY_PORT, SECONDARY_PORT, AZURE_PORT);
  }

  /** The same mock providers on other ports (tests that must not collide with a running stack). */
  public static Map<Integer, MockProviderOptions> defaultMocks(
      int primaryPort, int secondaryPort, int azurePort) {
    Map<Integer, MockProviderOptions> mocks = new LinkedHashMap<>();
    mocks.put(
        primaryPort,
        new MockProviderOptions()
            .keys("sk-local-primary")
            .models("gpt-4o-mini", "gpt-4o", "text-embedding-3-small")
            .alias("gpt-4o-mini", "gpt-4o-mini-2024-07-18"));
    mocks.put(
        secondaryPort,
        new MockProviderOptions()
            .keys("sk-local-secondary")
            // The secondary also speaks Anthropic Messages (local-anthropic) and Gemini
            // (local-gemini).
            .models(
                "llama-3.1-8b-instruct",
                "claude-sonnet-4-5",
                "gemini-2.5-flash",
                "gemini-3-flash-preview",
                "deepseek-reasoner",
                "text-embedding-004"));
    mocks.put(azurePort, new MockProviderOptions().keys("local-azure-key").models("gpt-4o-mini"));
    return java.util.Collections.unmodifiableMap(mocks);
  }
}
