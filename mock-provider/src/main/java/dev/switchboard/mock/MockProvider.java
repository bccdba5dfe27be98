package dev.switchboard.mock;

import dev.switchboard.mock.drift.DriftAdmin;
import dev.switchboard.mock.drift.DriftInjection;
import dev.switchboard.mock.fault.FaultRules;
import dev.switchboard.mock.record.AttemptStats;
import dev.switchboard.mock.record.RequestRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A fault-injecting fake LLM provider: a real HTTP server on loopback that speaks the OpenAI wire
 * format ({@code /v1/chat/completions}, {@code /v1/embeddings}, {@code /v1/models}) and the Azure
 * OpenAI URL shape ({@code /openai/deployments/{deployment}/...?api-version=...}), injects faults
 * per model or per request, and counts attempts so tests can assert them.
 *
 * <pre>{@code
 * MockProvider mock = MockProvider.startBlocking(new MockProviderOptions().keys("sk-test"));
 * mock.faults().add("gpt-4o-mini", "status:503", 2); // fail twice, then succeed
 * // ... point a client at mock.baseUrl() ...
 * assertThat(mock.attempts("gpt-4o-mini")).isEqualTo(3);
 * mock.close();
 * }</pre>
 *
 * <p>Admin endpoints (no auth): {@code GET /_mock/stats}, {@code POST/GET/DELETE /_mock/faults},
 * {@code POST /_mock/reset}, {@code PUT /_mock/keys}.
 */
public final class MockProvider implements AutoCloseable {

  /** Per-request fault header, same grammar as model rules. */
  public static final String FAULT_HEADER = "x-mock-fault";

  /** Benchmark knob: number of content deltas in a stream. */
  public static final String STREAM_CHUNKS_HEADER = "x-mock-stream-chunks";

  /** Benchmark knob: interval between stream events in milliseconds. */
  public static final String CHUNK_INTERVAL_HEADER = "x-mock-chunk-interval-ms";

  /** Benchmark knob: answer with the pre-rendered fixed completion. */
  public static final String FAST_HEADER = "x-mock-fast";

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final MockProviderOptions options;
  private final HttpServer server;
  private final FaultRules faults;
  private final AttemptStats stats;
  private final AcceptedKeys keys;
  private DriftInjection drift;

  private MockProvider(
      Vertx vertx,
      boolean ownsVertx,
      MockProviderOptions options,
      HttpServer server,
      FaultRules faults,
      AttemptStats stats,
      AcceptedKeys keys) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = options;
    this.server = server;
    this.faults = faults;
    this.stats = stats;
    this.keys = keys;
  }

  /** Starts a mock on {@code vertx}; the future completes once it listens. */
  public static Future<MockProvider> start(Vertx vertx, MockProviderOptions options) {
    return start(vertx, false, options);
  }

  private static Future<MockProvider> start(
      Vertx vertx, boolean ownsVertx, MockProviderOptions userOptions) {
    MockProviderOptions options = userOptions.copy();
    FaultRules faults = new FaultRules();
    AttemptStats stats = new AttemptStats(options.requestLogCapacity());
    AcceptedKeys keys = new AcceptedKeys(options.keys());
    ProviderHandler provider = new ProviderHandler(vertx, options, faults, stats, keys);
    Router router = Router.router(vertx);
    provider.mount(router);
    new AdminHandler(faults, stats, keys).mount(router);
    new DriftAdmin(provider.drift).mount(router);
    HttpServer server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(options.host())
                .setPort(options.port())
                .setTcpNoDelay(true)
                // HTTP/1.1 only: resets and truncation are defined per TCP connection.
                .setHttp2ClearTextEnabled(false)
                .setIdleTimeout(0));
    return server
        .requestHandler(router)
        .listen()
        .map(
            s -> {
              MockProvider mock =
                  new MockProvider(vertx, ownsVertx, options, s, faults, stats, keys);
              mock.drift = provider.drift;
              return mock;
            });
  }

  /** Starts a mock on its own Vert.x instance and waits until it listens (non-Vert.x callers). */
  public static MockProvider startBlocking(MockProviderOptions options) {
    Vertx vertx = Vertx.vertx();
    try {
      return await(start(vertx, true, options));
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /** Starts a mock on {@code vertx} and waits until it listens; never call on an event loop. */
  public static MockProvider startBlocking(Vertx vertx, MockProviderOptions options) {
    return await(start(vertx, options));
  }

  /** The bound port. */
  public int port() {
    return server.actualPort();
  }

  /** The OpenAI-style base URL, e.g. {@code http://127.0.0.1:PORT/v1}. */
  public String baseUrl() {
    return origin() + "/v1";
  }

  /** The server origin, e.g. {@code http://127.0.0.1:PORT} (Azure clients append /openai/...). */
  public String origin() {
    return "http://" + options.host() + ":" + port();
  }

  /** Injected silent model changes (answers, fingerprint); changes apply to the next request. */
  public DriftInjection drift() {
    return drift;
  }

  /**
   * Answers {@code requested} as {@code resolved} from the next request on: a provider moving an
   * alias to a new model version (call it between requests).
   */
  public void alias(String requested, String resolved) {
    options.alias(requested, resolved);
  }

  /** Per-model fault rules; changes apply to the next request. */
  public FaultRules faults() {
    return faults;
  }

  /** Attempts for {@code model} (as requested: body model or Azure deployment). */
  public long attempts(String model) {
    return stats.attempts(model);
  }

  /** All attempts, including rejected ones. */
  public long totalAttempts() {
    return stats.total();
  }

  /** Attempts by outcome label ({@code ok}, {@code status-429}, {@code unauthorized}, ...). */
  public long outcomes(String outcome) {
    return stats.outcomes(outcome);
  }

  /** Connections the client closed before the answer was complete (timeouts, cancellations). */
  public long clientAborts() {
    return stats.clientAborts();
  }

  /** Counters and request log. */
  public AttemptStats stats() {
    return stats;
  }

  /** The most recent requests, oldest first (bounded by the request log capacity). */
  public List<RequestRecord> requests() {
    return stats.requests();
  }

  /** Replaces the accepted keys at runtime (key-rotation tests); none disables authentication. */
  public void setKeys(Collection<String> newKeys) {
    keys.replace(newKeys);
  }

  /** Replaces the accepted keys at runtime; none disables authentication. */
  public void setKeys(String... newKeys) {
    setKeys(List.of(newKeys));
  }

  /** Clears counters, request log and fault rules (keys stay). */
  public void reset() {
    faults.clearAll();
    stats.reset();
    drift.set(null);
  }

  /**
   * Stops the server (and its Vert.x instance when {@link #startBlocking(MockProviderOptions)}).
   */
  public Future<Void> closeAsync() {
    // Closing an owned Vert.x closes the server too; chaining the two would complete the result on
    // an event loop that no longer exists.
    return ownsVertx ? vertx.close() : server.close();
  }

  /** Stops the server and waits; never call on an event loop. */
  @Override
  public void close() {
    await(closeAsync());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("mock provider did not start/stop within 30 s", e);
    }
  }
}
