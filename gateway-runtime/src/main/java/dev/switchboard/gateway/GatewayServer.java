package dev.switchboard.gateway;

import dev.switchboard.gateway.cache.ProviderEmbedder;
import dev.switchboard.gateway.cache.ResponseCache;
import dev.switchboard.gateway.cache.SharedAnswers;
import dev.switchboard.gateway.config.ConfigListener;
import dev.switchboard.gateway.config.ConfigSource;
import dev.switchboard.gateway.config.FileConfigSource;
import dev.switchboard.gateway.config.kubernetes.KubernetesConfigSource;
import dev.switchboard.gateway.consumer.ConsumerAccess;
import dev.switchboard.gateway.consumer.ConsumerGate;
import dev.switchboard.gateway.consumer.ConsumerLimiter;
import dev.switchboard.gateway.consumer.ConsumerMetrics;
import dev.switchboard.gateway.cost.PriceSchedule;
import dev.switchboard.gateway.determinism.ModelVersionTracker;
import dev.switchboard.gateway.evaluation.EvaluationRecorder;
import dev.switchboard.gateway.frontdoor.ResponsesFrontDoor;
import dev.switchboard.gateway.http.ConsumerSpendHandler;
import dev.switchboard.gateway.http.GatewayRouter;
import dev.switchboard.gateway.http.InfoHandlers;
import dev.switchboard.gateway.http.ProxyHandler;
import dev.switchboard.gateway.http.ResponsesStateHandler;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.metrics.AttemptAccounting;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.pipeline.RequestPipeline;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.GlobalSemaphore;
import dev.switchboard.gateway.resilience.RequestDeadline;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import dev.switchboard.gateway.responses.LocalResponseLocations;
import dev.switchboard.gateway.responses.ResponseLocations;
import dev.switchboard.gateway.responses.SharedResponseLocations;
import dev.switchboard.gateway.routing.RoutingSnapshot;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.routing.strategy.AttemptPlanner;
import dev.switchboard.gateway.server.AdminServer;
import dev.switchboard.gateway.server.ConnectionGuard;
import dev.switchboard.gateway.state.RedisCommitmentStore;
import dev.switchboard.gateway.state.RedisLeaseStore;
import dev.switchboard.gateway.state.RedisQuotaStore;
import dev.switchboard.gateway.state.RedisStateStore;
import dev.switchboard.gateway.state.StateStore;
import dev.switchboard.gateway.stats.LiveStats;
import dev.switchboard.gateway.time.GatewayClock;
import dev.switchboard.gateway.time.OffsetClock;
import dev.switchboard.gateway.time.VertxClock;
import dev.switchboard.gateway.time.WorkerTask;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamClients;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An embeddable gateway: {@code GatewayServer.start(vertx, options)} loads configuration from the
 * chosen source and serves the OpenAI-compatible API until {@link #close()}. With a fixed port it
 * runs one HTTP server per CPU core (Vert.x shares the port between event loops); with port 0 one.
 */
public final class GatewayServer {

  /** How long after a reload a pool nobody uses any more starts to drain. */
  private static final long POOL_RETIRE_DELAY_MS = 30_000;

  /** How long a draining upstream pool may keep serving requests that started on it. */
  private static final long POOL_DRAIN_MS = 10 * 60_000;

  /** Sliding window of {@code /v1/switchboard/stats}. */
  private static final long STATS_WINDOW_MS = 5 * 60_000;

  /**
   * Window of the figures cost and latency strategies route on: short, so a provider that degrades
   * or recovers is seen within a minute.
   */
  private static final long ROUTING_WINDOW_MS = 60_000;

  /** How long a target without fresh samples keeps its last routing figures. */
  private static final long ROUTING_STALE_AFTER_MS = 10 * 60_000;

  /** How often the routing figures are recomputed (a decision only reads them). */
  private static final long ROUTING_REFRESH_MS = 1_000;

  private final Vertx vertx;
  private final ConfigSource source;
  private final RoutingState state;
  private final GatewayMetrics metrics;
  private final UpstreamClients clients;
  private final ResilienceRegistry resilience;
  private final EvaluationRecorder evaluations;
  private final GatewayClock clock;
  private final ResponseCache responseCache;
  private final AtomicInteger boundPort = new AtomicInteger();
  // One public server per event loop; a graceful shutdown stops each.
  private final java.util.List<HttpServer> publicServers =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicBoolean stopping =
      new java.util.concurrent.atomic.AtomicBoolean();
  private GatewayOptions options;
  private ConnectionGuard publicGuard;
  private Future<Void> closing;
  private String deploymentId;
  private long statsTimer = -1;
  private AdminServer admin;
  private ConsumerAccess consumers;
  private ConsumerLimiter consumerLimiter;
  private StateStore stateStore;

  private GatewayServer(Vertx vertx, ConfigSource source, GatewayClock clock) {
    this.vertx = vertx;
    this.source = source;
    this.clock = clock;
    this.evaluations = new EvaluationRecorder(clock::currentTimeMillis);
    this.state = new RoutingState(clock.asJavaClock());
    this.metrics = new GatewayMetrics();
    this.clients = new UpstreamClients(vertx);
    this.resilience =
        new ResilienceRegistry(
            vertx, clients, metrics.registry(), name -> state.keys().keyFor(name), clock);
    // The embedding model loads on the first semantic lookup, not here: routes without a semantic
    // cache never pay for it.
    this.responseCache = ResponseCache.withBuiltinEmbedder(clock);
  }

  /** Starts a gateway with the config source the options select (Kubernetes or files). */
  public static Future<GatewayServer> start(Vertx vertx, GatewayOptions options) {
    return start(vertx, options, new VertxClock(vertx));
  }

  /**
   * As {@link #start(Vertx, GatewayOptions)} on another clock (tests fast-forward a manual one;
   * config sources keep real time, so files and watches are read as usual).
   */
  public static Future<GatewayServer> start(
      Vertx vertx, GatewayOptions options, GatewayClock clock) {
    ConfigSource source =
        options.namespace() != null && !options.namespace().isBlank()
            ? KubernetesConfigSource.inCluster(options.namespace())
            : new FileConfigSource(
                vertx,
                options.routingFile(),
                options.keysDir(),
                options.fileCheckIntervalMs(),
                options.consumers().consumersFile());
    return start(vertx, options, source, clock);
  }

  /** Starts a gateway on a given config source (tests, embedding). */
  public static Future<GatewayServer> start(
      Vertx vertx, GatewayOptions options, ConfigSource source) {
    return start(vertx, options, source, new VertxClock(vertx));
  }

  /**
   * Starts a gateway on a given config source and clock (tests fast-forward a manual clock; every
   * deadline, timeout, backoff, breaker window and stats window of the gateway reads it).
   */
  public static Future<GatewayServer> start(
      Vertx vertx, GatewayOptions options, ConfigSource source, GatewayClock clock) {
    if (options.testClockOffsetFile() != null) {
      clock = OffsetClock.watching(vertx, clock, options.testClockOffsetFile());
    }
    GatewayServer server = new GatewayServer(vertx, source, clock);
    return server.run(options).map(server);
  }

  private Future<Void> run(GatewayOptions options) {
    this.options = options;
    LiveStats stats =
        new LiveStats(
            STATS_WINDOW_MS, ROUTING_WINDOW_MS, ROUTING_STALE_AFTER_MS, clock::currentTimeMillis);
    // Every route's and target's figures: at 10,000 routes tens of milliseconds, on a worker.
    WorkerTask refresh = new WorkerTask(vertx, "routing figures refresh", stats::refreshRouting);
    statsTimer =
        clock.setPeriodic(
            ROUTING_REFRESH_MS,
            id -> {
              refresh.tick();
              // Committed-use counts: this replica's batch out, the shared totals back (no-op
              // without a store); routing reads only the totals kept in memory.
              state.current().ifPresent(s -> stats.commitments().sync(s.table()));
            });
    stats.cacheFigures(responseCache.stats()::snapshot);
    stats.pricesNow(this::priceNow);
    RequestLogWriter log = new RequestLogWriter();
    state.addReloadListener(metrics::configReload);
    state.addReloadListener(
        result -> {
          if (result.applied()) {
            state
                .current()
                .ifPresent(s -> clients.retainOnly(s.table(), POOL_RETIRE_DELAY_MS, POOL_DRAIN_MS));
          }
        });
    // Live stats and /metrics forget removed routes and targets, so they neither show nor pile up.
    state.addReloadListener(
        result -> {
          if (result.applied()) {
            state.current().ifPresent(s -> stats.retainOnly(s.table()));
            state.current().ifPresent(s -> metrics.retainOnly(s.table()));
          }
        });
    // Response caches follow the table: a route that lost its cache gives its bytes back now.
    // Before the table serves: its first request finds the caches of its settings, not a bypass.
    state.beforeServing(responseCache::retainOnly);
    responseCache.startSweeping(ResponseCache.SWEEP_PERIOD_MS);
    // Breakers, guards, budgets and health checkers follow the table: kept for what stays.
    // Before the table serves: its first request gets the guards of its limits, not the old ones.
    state.beforeServing(resilience::reconcile);
    FailoverChain.AttemptObserver attempts = new AttemptAccounting(metrics);
    FailoverChain chain =
        new FailoverChain(
            attempts, clock, resilience, () -> ThreadLocalRandom.current().nextDouble());
    ModelVersionTracker versions = new ModelVersionTracker(metrics.registry(), clock);
    // Every answered request tells the response cache which version its target serves now.
    versions.onVersion(responseCache::served);
    state.addReloadListener(
        result -> {
          if (result.applied()) {
            state.current().ifPresent(s -> versions.retainOnly(s.table()));
          }
        });
    AttemptPlanner planner =
        new AttemptPlanner(
            () -> ThreadLocalRandom.current().nextDouble(),
            stats.routing(),
            clock::currentTimeMillis);
    ConsumerOptions consumerOptions = options.consumers();
    consumers = new ConsumerAccess(consumerOptions.requireKeys(), consumerOptions.adminKeySha256());
    // One namespace's counts, cached answers and response ids apart from another's in one Redis.
    String storePrefix = consumerOptions.stateStorePrefixIn(options.namespace());
    if (consumerOptions.stateStore() != null && !consumerOptions.stateStore().isBlank()) {
      stateStore =
          new RedisStateStore(
              vertx,
              clock,
              consumerOptions.stateStore(),
              consumerOptions.stateStorePassword(),
              consumerOptions.stateStoreCaFile(),
              storePrefix,
              consumerOptions.stateStoreTimeoutMs());
    }
    if (stateStore instanceof RedisStateStore redis) {
      // cache.shared: true keeps exact answers in the same Redis (its own deadlines: a miss).
      responseCache.shareExactVia(
          new SharedAnswers(
              redis.client(),
              clock,
              storePrefix,
              SharedAnswers.commandTimeoutFor(consumerOptions.stateStoreTimeoutMs())));
      redis
          .warmUp()
          .onFailure(
              err ->
                  org.slf4j.LoggerFactory.getLogger(GatewayServer.class)
                      .warn(
                          "the shared state store did not answer at start ({}); outage policies"
                              + " apply until it does",
                          err.getClass().getSimpleName()));
    }
    if (stateStore instanceof RedisStateStore redis) {
      // Prepaid commitments are counted once across replicas, in the same Redis.
      stats
          .commitments()
          .shareVia(new RedisCommitmentStore(redis), java.util.UUID.randomUUID().toString());
    }
    if (stateStore instanceof RedisStateStore redis) {
      // concurrencyScope: global caps are leases in the same Redis, provider quotas buckets there.
      long leaseMs = GlobalSemaphore.configuredLeaseMs();
      resilience.useLeaseStore(
          new RedisLeaseStore(redis),
          new RedisQuotaStore(redis),
          leaseMs,
          leaseMs / 3,
          java.util.UUID.randomUUID().toString());
    }
    consumerLimiter = new ConsumerLimiter(stateStore);
    ConsumerMetrics consumerMetrics = new ConsumerMetrics(metrics.registry());
    consumers.onChange(consumerMetrics::follow);
    ConsumerGate consumerGate =
        new ConsumerGate(consumers, consumerLimiter, consumerMetrics, clock);
    UpstreamCaller caller = new UpstreamCaller(clock, clients);
    // embedder.providerRef: the semantic cache embeds through the provider's embeddings API with
    // the same clients, keys and guards as every other call to it.
    responseCache.embedProvidersWith(
        (ref, maxInputTokens) ->
            new ProviderEmbedder(
                ref,
                maxInputTokens,
                () -> state.current().map(RoutingSnapshot::table),
                name -> state.keys().keyFor(name),
                caller,
                resilience,
                clock));
    ProxyHandler proxy =
        new ProxyHandler(
            RequestPipeline.create(
                state,
                planner,
                chain,
                caller,
                resilience.rateLimiter(),
                RequestDeadline.configuredMaxMs(),
                metrics,
                stats,
                log,
                () -> ThreadLocalRandom.current().nextDouble(),
                consumerGate,
                responseCache,
                versions,
                resilience,
                evaluations),
            clock);
    InfoHandlers info =
        new InfoHandlers(state, metrics, stats, resilience::summary)
            .evaluations(evaluations::snapshot)
            .evaluationsDelivered(evaluations::delivered)
            .consumers(consumerGate.identifyStage())
            .stopping(stopping::get);
    // Which provider produced each Responses API response id: this replica's memory, shared with
    // the other replicas through the state store when there is one.
    ResponseLocations responseLocations =
        stateStore instanceof RedisStateStore redisStore
            ? new SharedResponseLocations(new LocalResponseLocations(clock), redisStore)
            : new LocalResponseLocations(clock);
    ResponsesFrontDoor responses = new ResponsesFrontDoor(responseLocations);
    ResponsesStateHandler responsesState =
        new ResponsesStateHandler(
            state,
            clients,
            responseLocations,
            consumerGate.identifyStage(),
            resilience::credentialsRejected,
            clock,
            call -> {
              // Accounted as the proxied requests are, but not in the live stats the routing
              // strategies read: a stored-response call says nothing of a target's answers.
              metrics.request(call);
              log.write(call);
            },
            consumerGate.consumerStage(),
            RequestDeadline.configuredMaxMs());
    int instances =
        options.port() == 0 ? 1 : Math.max(1, Runtime.getRuntime().availableProcessors());
    HttpServerOptions publicOptions = publicServerOptions(options);
    // One guard for all event loops: the connection cap counts the whole replica.
    ConnectionGuard guard =
        new ConnectionGuard(
            "public",
            publicOptions,
            options.headerReadTimeoutMs(),
            options.idleTimeoutMs(),
            options.maxConnections(),
            metrics.registry());
    publicGuard = guard;
    ConsumerAccess access = consumers;
    ConfigListener listener =
        new ConfigListener() {
          @Override
          public void onRoutingDocument(byte[] json, String origin) {
            state.onRoutingDocument(json, origin);
          }

          @Override
          public void onRoutingUnreadable(String origin, String problem) {
            state.onRoutingUnreadable(origin, problem);
          }

          @Override
          public void onProviderKeys(java.util.Map<String, String> keys, String origin) {
            state.onProviderKeys(keys, origin);
          }

          @Override
          public void onConsumerTable(byte[] json, String origin) {
            access.onConsumerTable(json, origin);
          }
        };
    return source
        .start(listener)
        .compose(
            v ->
                vertx.deployVerticle(
                    () ->
                        new HttpVerticle(
                            options,
                            publicOptions,
                            guard,
                            proxy,
                            info,
                            boundPort,
                            responses,
                            responsesState,
                            publicServers),
                    new DeploymentOptions().setInstances(instances)))
        .compose(
            id -> {
              deploymentId = id;
              return AdminServer.start(
                  vertx,
                  options,
                  info,
                  metrics.registry(),
                  proxy,
                  new ConsumerSpendHandler(access, consumerLimiter, clock),
                  access::directory);
            })
        .map(
            started -> {
              admin = started;
              return null;
            });
  }

  /**
   * The prices of a target ({@code provider/model}) in force now on the gateway clock, for the
   * stats document; null when the table gives it no pricing.
   */
  private java.util.Map<String, Object> priceNow(String route, String targetId) {
    int slash = targetId.indexOf('/');
    if (slash < 0) {
      return null;
    }
    return state
        .current()
        .map(s -> s.table().providers().get(targetId.substring(0, slash)))
        .flatMap(p -> p.model(targetId.substring(slash + 1)))
        .map(dev.switchboard.contract.RoutingTable.Model::pricing)
        .map(list -> PriceSchedule.document(PriceSchedule.at(list, clock.instant())))
        .orElse(null);
  }

  /** The bound public HTTP port. */
  public int port() {
    return boundPort.get();
  }

  /** The bound admin port ({@code /admin/*}, {@code /metrics}). */
  public int adminPort() {
    return admin == null ? 0 : admin.port();
  }

  /** The live routing state (current snapshot, keys, last reload). */
  public RoutingState routingState() {
    return state;
  }

  /** Breakers, provider guards, budgets and rate limits of this replica. */
  /** This replica's side-by-side evaluation figures. */
  public EvaluationRecorder evaluations() {
    return evaluations;
  }

  public ResilienceRegistry resilience() {
    return resilience;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The consumer keys in force on this replica. */
  public ConsumerAccess consumers() {
    return consumers;
  }

  /** Consumer admission and spend, over the shared store when there is one. */
  /** The response caches (tests tune the semantic lookup deadline). */
  public ResponseCache responseCache() {
    return responseCache;
  }

  public ConsumerLimiter consumerLimiter() {
    return consumerLimiter;
  }

  /**
   * Shuts down gracefully with the options' drain delay and timeout (see {@link #shutdown(long,
   * long)}): what the process does on SIGTERM.
   */
  public Future<Void> shutdown() {
    return shutdown(options.drainDelayMs(), options.shutdownTimeoutMs());
  }

  /**
   * Shuts down without cutting what is in flight. {@code /readyz} answers 503 at once while the
   * public port keeps serving for {@code drainDelayMs}: Kubernetes takes a terminating pod out of
   * its endpoints at once, but kube-proxy, ingress controllers and cloud load balancers see that a
   * few seconds later and keep sending until then; meanwhile responses say {@code Connection:
   * close}, so keep-alive clients open their next connection to a replica that stays. Then the
   * public port stops accepting connections; requests and streams in flight get {@code timeoutMs}
   * to end (idle keep-alive connections close at once, a busy one after its last response), after
   * which the connections left are closed. The admin port stays up for the rest of {@code
   * timeoutMs} while side-by-side evaluation pairs are unreported and an operator is reading them
   * ({@link #flushEvaluations}). Then everything else closes as in {@link #close()}. Both delays
   * run on the gateway clock.
   */
  public Future<Void> shutdown(long drainDelayMs, long timeoutMs) {
    stopping.set(true);
    if (publicGuard != null) {
      publicGuard.drain(); // keep-alive clients reconnect, to replicas that are staying
    }
    org.slf4j.LoggerFactory.getLogger(GatewayServer.class)
        .info(
            "shutting down: not ready, still accepting for {} ms, then {} ms for requests in"
                + " flight",
            drainDelayMs,
            timeoutMs);
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    if (drainDelayMs > 0) {
      clock.setTimer(drainDelayMs, id -> drained.complete());
    } else {
      drained.complete();
    }
    return drained
        .future()
        .compose(
            v -> {
              long stopStarted = clock.currentTimeMillis();
              return stopAccepting(timeoutMs)
                  .compose(
                      stopped ->
                          flushEvaluations(timeoutMs - (clock.currentTimeMillis() - stopStarted)));
            })
        .eventually(this::close);
  }

  /**
   * Keeps the admin port up, for at most {@code leftMs}, until the operator has read every
   * evaluation pair this replica counted — the mirrors still running included — since the operator
   * pulls the sums every 30 s and a new instance starts from zero: without it, a rolling restart
   * lost each replica's pairs since its last report. The operator reads a terminating replica as
   * well. Nothing to wait for (no evaluation, or all read): at once. Only while an operator is
   * reading: no read within {@link EvaluationRecorder#READER_GONE_AFTER_MS} (of the last read, or
   * of the replica's start when none came) means no read will come (the operator is down, or this
   * replica's evaluations are not its), so it stops at once; a reader that stops reading during the
   * wait is waited for until its next read was due, not for the whole timeout.
   */
  private Future<Void> flushEvaluations(long leftMs) {
    Future<Void> reported = evaluations.whenReported();
    if (reported.isComplete()) {
      return Future.succeededFuture();
    }
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GatewayServer.class);
    long now = clock.currentTimeMillis();
    if (evaluations.readerExpectedUntilMs() <= now) {
      log.warn(
          "shutting down with {} evaluation records the operator has not read: they are lost; no"
              + " operator has read /admin/evaluations {}, so none is waited for",
          evaluations.unreportedRecords(),
          evaluations.everRead()
              ? "in the last " + EvaluationRecorder.READER_GONE_AFTER_MS + " ms"
              : "in the "
                  + EvaluationRecorder.READER_GONE_AFTER_MS
                  + " ms since this replica started");
      return Future.succeededFuture();
    }
    if (leftMs <= 0) {
      log.warn(
          "shutting down with {} evaluation records the operator has not read: they are lost",
          evaluations.unreportedRecords());
      return Future.succeededFuture();
    }
    log.info(
        "waiting up to {} ms for the operator to read {} evaluation records",
        leftMs,
        evaluations.unreportedRecords());
    io.vertx.core.Promise<Void> flushed = io.vertx.core.Promise.promise();
    long deadline = now + leftMs;
    java.util.concurrent.atomic.AtomicLong timer = new java.util.concurrent.atomic.AtomicLong(-1);
    Runnable[] check = new Runnable[1];
    check[0] =
        () -> {
          if (flushed.future().isComplete()) {
            return;
          }
          long at = clock.currentTimeMillis();
          long readerUntil = evaluations.readerExpectedUntilMs();
          if (at < deadline && at < readerUntil) {
            // A read came meanwhile: wait on, until the next one is due (or the timeout).
            timer.set(clock.setTimer(Math.min(deadline, readerUntil) - at, id -> check[0].run()));
          } else if (flushed.tryComplete()) {
            log.warn(
                "shutting down with {} evaluation records the operator has not read: they are"
                    + " lost ({})",
                evaluations.unreportedRecords(),
                at >= deadline
                    ? "the shutdown timeout ran out"
                    : "no read of /admin/evaluations came within "
                        + EvaluationRecorder.READER_GONE_AFTER_MS
                        + " ms of the last");
          }
        };
    check[0].run();
    reported.onComplete(
        done -> {
          if (flushed.tryComplete()) {
            clock.cancelTimer(timer.get());
          }
        });
    return flushed.future();
  }

  /** Stops the public servers, giving what is in flight {@code timeoutMs} to end. */
  private Future<Void> stopAccepting(long timeoutMs) {
    // Vert.x's own timeout is on real time; the gateway clock's closes the connections left, so a
    // test can run the timeout out without waiting for it.
    long forceTimer =
        timeoutMs > 0 && publicGuard != null
            ? clock.setTimer(timeoutMs, id -> publicGuard.closeAll())
            : -1;
    java.util.List<Future<Void>> stopped = new java.util.ArrayList<>();
    for (HttpServer server : publicServers) {
      stopped.add(server.shutdown(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS));
    }
    return Future.join(stopped)
        .<Void>mapEmpty()
        .eventually(
            () -> {
              if (forceTimer >= 0) {
                clock.cancelTimer(forceTimer);
              }
              return Future.succeededFuture();
            });
  }

  /**
   * Stops serving at once (requests in flight are cut), stops watching and closes the upstream
   * pools and the state store. Embedding code and tests call it; the process calls {@link
   * #shutdown()}. Closing twice returns the first close.
   */
  public synchronized Future<Void> close() {
    if (closing == null) {
      closing = closeNow();
    }
    return closing;
  }

  private Future<Void> closeNow() {
    stopping.set(true);
    if (statsTimer >= 0) {
      clock.cancelTimer(statsTimer);
    }
    Future<Void> undeploy =
        deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
    return undeploy
        .eventually(() -> admin == null ? Future.succeededFuture() : admin.close())
        .eventually(source::close)
        .eventually(
            () -> {
              resilience.close();
              responseCache.close();
              clients.close();
              return stateStore == null ? Future.succeededFuture() : stateStore.close();
            });
  }

  private static HttpServerOptions publicServerOptions(GatewayOptions options) {
    return ConnectionGuard.http1Only(
        new HttpServerOptions()
            .setHost(options.host())
            .setPort(options.port())
            .setCompressionSupported(false)
            // No WebSockets are served: without these Vert.x puts a WebSocket extension handler on
            // every connection, which looks at every request's headers and every response.
            .setPerFrameWebSocketCompressionSupported(false)
            .setPerMessageWebSocketCompressionSupported(false)
            // Acknowledge at once instead of delaying ACKs (native transport only): in paired
            // stream runs it took 0.7-1.1 ms off the added TTFT p99.
            .setTcpQuickAck(true)
            // Vert.x's idle timeout would also cut a stream whose upstream is silent for a while;
            // ConnectionGuard times out only connections with no request in flight.
            .setIdleTimeout(0));
  }

  /** One HTTP server on one event loop, with its own router built once. */
  private static final class HttpVerticle extends VerticleBase {
    private final GatewayOptions options;
    private final HttpServerOptions serverOptions;
    private final ConnectionGuard guard;
    private final ProxyHandler proxy;
    private final InfoHandlers info;
    private final AtomicInteger boundPort;
    private final ResponsesFrontDoor responses;
    private final ResponsesStateHandler responsesState;
    private final java.util.List<HttpServer> servers;

    HttpVerticle(
        GatewayOptions options,
        HttpServerOptions serverOptions,
        ConnectionGuard guard,
        ProxyHandler proxy,
        InfoHandlers info,
        AtomicInteger boundPort,
        ResponsesFrontDoor responses,
        ResponsesStateHandler responsesState,
        java.util.List<HttpServer> servers) {
      this.servers = servers;
      this.responses = responses;
      this.responsesState = responsesState;
      this.options = options;
      this.serverOptions = serverOptions;
      this.guard = guard;
      this.proxy = proxy;
      this.info = info;
      this.boundPort = boundPort;
    }

    @Override
    public Future<?> start() {
      HttpServer server = vertx.createHttpServer(new HttpServerOptions(serverOptions));
      servers.add(server);
      return guard
          .install(
              server,
              GatewayRouter.create(
                  vertx, proxy, info, options.maxBodyBytes(), responses, responsesState))
          .listen()
          .onSuccess(s -> boundPort.set(s.actualPort()));
    }
  }
}
