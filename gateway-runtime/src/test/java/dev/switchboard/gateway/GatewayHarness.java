package dev.switchboard.gateway;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.contract.RoutingTableCodec;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.mock.MockProvider;
import dev.switchboard.mock.MockProviderOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A gateway in file mode on a loopback port, with helpers to rewrite its routing file and keys
 * directory and to call it with the JDK HTTP client. Started with {@link #withMock} or {@link
 * #withMocks}, it also owns a Vert.x instance and the mock providers it fronts, and stops them when
 * closed.
 */
public final class GatewayHarness implements AutoCloseable {

  public static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Readies a started mock provider (faults, say) and gives the table of a gateway in front of it.
   */
  @FunctionalInterface
  public interface MockTable {
    RoutingTable of(MockProvider mock) throws Exception;
  }

  /**
   * Readies started mock providers (faults, say), given in the order of their options, and gives
   * the table of a gateway in front of them. {@code vertx} is the harness's own: a stand-in
   * upstream the table names (see {@link #upstream}) can be started on it here, and {@link
   * #close()} stops it with the Vert.x instance.
   */
  @FunctionalInterface
  public interface MocksTable {
    RoutingTable of(Vertx vertx, List<MockProvider> mocks) throws Exception;
  }

  private final Path routingFile;
  private final Path keysDir;
  private final GatewayServer server;
  // Started by withMock(s), stopped by close(); empty and null for a gateway on a caller's Vert.x.
  private List<MockProvider> mocks = List.of();
  private Vertx ownVertx;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private GatewayHarness(Path routingFile, Path keysDir, GatewayServer server) {
    this.routingFile = routingFile;
    this.keysDir = keysDir;
    this.server = server;
  }

  /**
   * Starts a Vert.x instance, the mock provider on it with {@code mockOptions}, then a gateway (as
   * {@link #start(Vertx, Path, RoutingTable, Map)}) on the table {@code table} gives for that mock;
   * {@link #close()} stops the gateway, the mock and the Vert.x instance, in that order.
   */
  public static GatewayHarness withMock(
      Path dir, MockProviderOptions mockOptions, MockTable table, Map<String, String> keys)
      throws Exception {
    return withMock(dir, mockOptions, table, keys, o -> o, null);
  }

  /**
   * As {@link #withMock(Path, MockProviderOptions, MockTable, Map)} with options adjusted by {@code
   * tune} and the gateway's time on {@code clock} (null: real).
   */
  public static GatewayHarness withMock(
      Path dir,
      MockProviderOptions mockOptions,
      MockTable table,
      Map<String, String> keys,
      java.util.function.UnaryOperator<GatewayOptions> tune,
      GatewayClock clock)
      throws Exception {
    return withMocks(
        dir, List.of(mockOptions), (vertx, mocks) -> table.of(mocks.get(0)), keys, tune, clock);
  }

  /**
   * As {@link #withMock(Path, MockProviderOptions, MockTable, Map)} with a mock provider for each
   * of {@code mockOptions}, all on the one Vert.x instance and started in that order (see {@link
   * #mock(int)}); {@link #close()} stops the gateway, the mocks in that order, then Vert.x.
   */
  public static GatewayHarness withMocks(
      Path dir, List<MockProviderOptions> mockOptions, MocksTable table, Map<String, String> keys)
      throws Exception {
    return withMocks(dir, mockOptions, table, keys, o -> o, null);
  }

  private static GatewayHarness withMocks(
      Path dir,
      List<MockProviderOptions> mockOptions,
      MocksTable table,
      Map<String, String> keys,
      java.util.function.UnaryOperator<GatewayOptions> tune,
      GatewayClock clock)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    List<MockProvider> mocks = new java.util.ArrayList<>();
    try {
      for (MockProviderOptions options : mockOptions) {
        mocks.add(MockProvider.startBlocking(vertx, options));
      }
      GatewayHarness harness =
          start(vertx, dir, table.of(vertx, List.copyOf(mocks)), keys, tune, clock);
      harness.mocks = List.copyOf(mocks);
      harness.ownVertx = vertx;
      return harness;
    } catch (Exception | Error e) {
      try {
        closeAll(mocks);
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get();
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** Writes table and keys into {@code dir}, starts a gateway on them and waits until ready. */
  public static GatewayHarness start(
      Vertx vertx, Path dir, RoutingTable table, Map<String, String> keys) throws Exception {
    return start(vertx, dir, table, keys, GatewayOptions.DEFAULT_MAX_BODY_BYTES);
  }

  /** As {@link #start(Vertx, Path, RoutingTable, Map)} with another request body limit. */
  public static GatewayHarness start(
      Vertx vertx, Path dir, RoutingTable table, Map<String, String> keys, long maxBodyBytes)
      throws Exception {
    return start(vertx, dir, table, keys, o -> o.withMaxBodyBytes(maxBodyBytes), null);
  }

  /** As {@link #start(Vertx, Path, RoutingTable, Map)} with options adjusted by {@code tune}. */
  public static GatewayHarness start(
      Vertx vertx,
      Path dir,
      RoutingTable table,
      Map<String, String> keys,
      java.util.function.UnaryOperator<GatewayOptions> tune)
      throws Exception {
    return start(vertx, dir, table, keys, tune, null);
  }

  /** As {@link #start(Vertx, Path, RoutingTable, Map)} with the gateway's time on {@code clock}. */
  public static GatewayHarness start(
      Vertx vertx, Path dir, RoutingTable table, Map<String, String> keys, GatewayClock clock)
      throws Exception {
    return start(vertx, dir, table, keys, o -> o, clock);
  }

  /** With options adjusted by {@code tune} and the gateway's time on {@code clock} (null: real). */
  public static GatewayHarness start(
      Vertx vertx,
      Path dir,
      RoutingTable table,
      Map<String, String> keys,
      java.util.function.UnaryOperator<GatewayOptions> tune,
      GatewayClock clock)
      throws Exception {
    Path routing = dir.resolve("routing.json");
    Path keysDir = Files.createDirectories(dir.resolve("keys"));
    writeAtomically(routing, RoutingTableCodec.encode(table));
    for (Map.Entry<String, String> e : keys.entrySet()) {
      Files.writeString(keysDir.resolve(e.getKey()), e.getValue());
    }
    GatewayOptions options =
        tune.apply(
            GatewayOptions.defaults()
                .withHost("127.0.0.1")
                .withPort(0)
                .withAdminPort(0)
                .withRoutingFile(routing)
                .withKeysDir(keysDir)
                .withFileCheckIntervalMs(25));
    // A namespace a test sets names the deployment (its state-store prefix, say); the table still
    // comes from the files, as no cluster is there to watch.
    GatewayServer server =
        (options.namespace() != null
                ? GatewayServer.start(
                    vertx,
                    options,
                    new dev.switchboard.gateway.config.FileConfigSource(
                        vertx,
                        routing,
                        keysDir,
                        options.fileCheckIntervalMs(),
                        options.consumers().consumersFile()),
                    clock == null ? new dev.switchboard.gateway.time.VertxClock(vertx) : clock)
                : clock == null
                    ? GatewayServer.start(vertx, options)
                    : GatewayServer.start(vertx, options, clock))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, java.util.concurrent.TimeUnit.SECONDS);
    GatewayHarness harness = new GatewayHarness(routing, keysDir, server);
    harness.awaitConfigVersion(RoutingTableCodec.configVersionOf(table));
    return harness;
  }

  public GatewayServer server() {
    return server;
  }

  /**
   * The mock provider this harness started with {@link #withMock} (with {@link #withMocks}: the
   * first).
   */
  public MockProvider mock() {
    return mock(0);
  }

  /**
   * The mock provider this harness started with the {@code index}-th options of {@link #withMocks}.
   */
  public MockProvider mock(int index) {
    if (mocks.isEmpty()) {
      throw new IllegalStateException("not started with GatewayHarness.withMock(s)");
    }
    return mocks.get(index);
  }

  /**
   * The Vert.x instance this harness started with {@link #withMock} or {@link #withMocks}, for a
   * second gateway on the same mocks ({@link #start(Vertx, Path, RoutingTable, Map)}, which the
   * caller closes) or a stand-in upstream; {@link #close()} closes it.
   */
  public Vertx vertx() {
    if (ownVertx == null) {
      throw new IllegalStateException("not started with GatewayHarness.withMock(s)");
    }
    return ownVertx;
  }

  public String origin() {
    return "http://127.0.0.1:" + server.port();
  }

  /** The admin port's origin ({@code /admin/*}, {@code /metrics}). */
  public String adminOrigin() {
    return "http://127.0.0.1:" + server.adminPort();
  }

  /** GET on the admin port, with {@code headers} (name, value, name, value…). */
  public HttpResponse<String> admin(String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(adminOrigin() + path))
            .timeout(Duration.ofSeconds(30))
            .GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public String baseUrl() {
    return origin() + "/v1";
  }

  /** Replaces the routing file the way editors and kubelet do: write aside, then rename. */
  public void writeTable(RoutingTable table) throws IOException {
    writeAtomically(routingFile, RoutingTableCodec.encode(table));
  }

  public void writeRoutingText(String text) throws IOException {
    writeAtomically(routingFile, text.getBytes(StandardCharsets.UTF_8));
  }

  public void writeKey(String provider, String key) throws IOException {
    writeAtomically(keysDir.resolve(provider), key.getBytes(StandardCharsets.UTF_8));
  }

  public void awaitConfigVersion(String version) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                server
                    .routingState()
                    .current()
                    .map(s -> s.configVersion().equals(version))
                    .orElse(false));
  }

  public Optional<String> configVersion() {
    return server.routingState().current().map(s -> s.configVersion());
  }

  public HttpResponse<String> post(String path, String body, String... headers)
      throws IOException, InterruptedException {
    return post(origin(), path, body, headers);
  }

  /** As {@link #post(String, String, String...)}, on the admin port. */
  public HttpResponse<String> adminPost(String path, String body, String... headers)
      throws IOException, InterruptedException {
    return post(adminOrigin(), path, body, headers);
  }

  private HttpResponse<String> post(String origin, String path, String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(origin + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    boolean contentType = false;
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
      contentType |= headers[i].equalsIgnoreCase("content-type");
    }
    if (!contentType) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(origin() + path))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A stand-in upstream on a free loopback port for wire behaviour the mock provider does not
   * produce: every request is read whole, then {@code answer} writes the response.
   */
  public static HttpServer upstream(Vertx vertx, Consumer<HttpServerRequest> answer)
      throws Exception {
    return upstream(vertx, (req, body) -> answer.accept(req));
  }

  /** As {@link #upstream(Vertx, Consumer)}, with the request's body given to {@code answer}. */
  public static HttpServer upstream(
      Vertx vertx,
      java.util.function.BiConsumer<HttpServerRequest, io.vertx.core.buffer.Buffer> answer)
      throws Exception {
    return vertx
        .createHttpServer()
        .requestHandler(req -> req.body().onSuccess(body -> answer.accept(req, body)))
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get();
  }

  /**
   * A stand-in upstream (as {@link #upstream}) that answers every request with an event stream of
   * model {@code endless} that never ends: a one-character chunk every 20 ms until the connection
   * is closed, which runs {@code closed}.
   */
  public static HttpServer endlessStream(Vertx vertx, Runnable closed) throws Exception {
    return upstream(
        vertx,
        req -> {
          var res = req.response();
          res.setChunked(true).putHeader("content-type", "text/event-stream");
          long timer =
              vertx.setPeriodic(
                  20,
                  id -> {
                    if (!res.closed()) {
                      res.write(
                          "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\","
                              + "\"created\":1,\"model\":\"endless\",\"choices\":"
                              + "[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n");
                    }
                  });
          res.closeHandler(
              v -> {
                vertx.cancelTimer(timer);
                closed.run();
              });
        });
  }

  /**
   * A gateway with one provider at {@code upstream} and one route {@code route} → {@code model}.
   */
  public static GatewayHarness oneRoute(
      Vertx vertx, Path dir, HttpServer upstream, String provider, String route, String model)
      throws Exception {
    String base = "http://127.0.0.1:" + upstream.actualPort() + "/v1";
    return start(
        vertx,
        dir,
        TestTables.table(
            List.of(TestTables.provider(provider, base, false)),
            List.of(TestTables.route(route, List.of(), TestTables.target(provider, model, 0)))),
        Map.of());
  }

  public static JsonNode json(String text) throws IOException {
    return JSON.readTree(text);
  }

  /** A minimal chat request body. */
  public static String chat(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]"
        + (stream ? ",\"stream\":true" : "")
        + "}";
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".part");
    Files.write(tmp, bytes);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Stops the gateway, then the mock providers (in the order they were started) and the Vert.x
   * instance of {@link #withMock} or {@link #withMocks}.
   */
  @Override
  public void close() throws Exception {
    try {
      server
          .close()
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      if (ownVertx != null) {
        try {
          closeAll(mocks);
        } finally {
          ownVertx.close().toCompletionStage().toCompletableFuture().get();
        }
      }
    }
  }

  /** Closes every mock in order, even when one fails; the first failure is thrown. */
  private static void closeAll(List<MockProvider> mocks) {
    RuntimeException failure = null;
    for (MockProvider mock : mocks) {
      try {
        mock.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
