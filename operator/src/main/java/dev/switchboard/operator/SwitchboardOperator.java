package dev.switchboard.operator;

import dev.switchboard.operator.consumer.ConsumerKeysPublisher;
import dev.switchboard.operator.consumer.ConsumerReconciler;
import dev.switchboard.operator.drift.DriftCanaryGate;
import dev.switchboard.operator.drift.DriftChecker;
import dev.switchboard.operator.drift.DriftClient;
import dev.switchboard.operator.drift.DriftMetrics;
import dev.switchboard.operator.drift.GatewayDriftClient;
import dev.switchboard.operator.evaluation.EvaluationTracker;
import dev.switchboard.operator.evaluation.GatewayEvaluationSource;
import dev.switchboard.operator.keys.KeyAges;
import dev.switchboard.operator.keys.OperatorCredential;
import dev.switchboard.operator.lifecycle.RetirementWatch;
import dev.switchboard.operator.metrics.OperatorMetrics;
import dev.switchboard.operator.modelroute.ModelRouteReconciler;
import dev.switchboard.operator.providerendpoint.ModelPhases;
import dev.switchboard.operator.providerendpoint.ProviderEndpointReconciler;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.providerendpoint.UpstreamAddressGuard;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.render.ModelRouteValidator;
import dev.switchboard.operator.render.RenderMemo;
import dev.switchboard.operator.render.RoutingTableComposer;
import dev.switchboard.operator.rollout.CanaryPlanner;
import dev.switchboard.operator.rollout.KubernetesRolloutHooks;
import dev.switchboard.operator.rollout.ProgressiveCanaryPlanner;
import dev.switchboard.operator.rollout.RolloutHooks;
import dev.switchboard.operator.rollout.metrics.CanaryMetricsSource;
import dev.switchboard.operator.rollout.metrics.CanaryMetricsSources;
import dev.switchboard.operator.rollout.metrics.EndpointSliceGatewayTargets;
import dev.switchboard.operator.rollout.metrics.GatewayScrapeSource;
import dev.switchboard.operator.rollout.metrics.GatewayTargets;
import dev.switchboard.operator.routingpolicy.RoutingPolicyReconciler;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.runtime.CommitmentSource;
import dev.switchboard.operator.runtime.ConsumerSpendSource;
import dev.switchboard.operator.runtime.GatewayCommitments;
import dev.switchboard.operator.runtime.GatewayConsumerSpend;
import dev.switchboard.operator.runtime.GatewayObserver;
import dev.switchboard.operator.runtime.GatewayRuntimeView;
import dev.switchboard.operator.runtime.ProviderHealth;
import dev.switchboard.operator.serialization.TolerantSerialization;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import dev.switchboard.operator.status.Problem;
import dev.switchboard.operator.time.OffsetClock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Switchboard operator as an embeddable unit: wires the four reconcilers and their
 * collaborators onto a JOSDK {@link Operator}. {@link OperatorMain} runs it as a process; the local
 * stack and the tests run it in-process against the mock API server.
 */
public final class SwitchboardOperator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SwitchboardOperator.class);

  private final Operator operator;
  private final List<AutoCloseable> resources;
  private final int metricsPort;
  private final ModelRouteReconciler modelRoutes;
  private final EventRecorder events;

  private SwitchboardOperator(
      Operator operator,
      List<AutoCloseable> resources,
      int metricsPort,
      ModelRouteReconciler modelRoutes,
      EventRecorder events) {
    this.modelRoutes = modelRoutes;
    this.events = events;
    this.operator = operator;
    this.resources = resources;
    this.metricsPort = metricsPort;
  }

  /**
   * Starts the operator: the controllers begin reconciling once their informers have synced (and,
   * with leader election, once this replica leads). The caller keeps ownership of the client, which
   * must be built with {@link TolerantSerialization#clientBuilder()} (else this throws {@link
   * IllegalArgumentException}), so that a resource with fields the operator does not know cannot
   * stop it. Canary rollouts read the gateway replicas' metrics (fixed URLs from the settings, else
   * the gateway Service's EndpointSlices) or a Prometheus server, as each route's spec says.
   */
  public static SwitchboardOperator start(
      KubernetesClient client, OperatorSettings settings, Clock clock) {
    List<AutoCloseable> resources = new ArrayList<>();
    GatewayTargets targets;
    if (settings.gatewayMetricsUrls().isEmpty()) {
      EndpointSliceGatewayTargets slices =
          new EndpointSliceGatewayTargets(
              client, settings.gatewayService(), settings.gatewayMetricsPort(), "/metrics");
      resources.add(slices);
      targets = slices;
    } else {
      targets = GatewayTargets.fixed(settings.gatewayMetricsUrls());
    }
    return start(client, settings, clock, targets, resources);
  }

  /**
   * As {@link #start(KubernetesClient, OperatorSettings, Clock)}, with the gateway replicas found
   * by {@code gateways} (asked at every analysis, so it may name a gateway started later, e.g. on
   * an ephemeral port in the local stack).
   */
  public static SwitchboardOperator start(
      KubernetesClient client, OperatorSettings settings, Clock clock, GatewayTargets gateways) {
    return start(client, settings, clock, gateways, new ArrayList<>());
  }

  private static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      GatewayTargets targets,
      List<AutoCloseable> resources) {
    // The Prometheus URL comes from a route's spec: the same SSRF policy as provider baseUrls.
    UpstreamAddressGuard urlGuard =
        new UpstreamAddressGuard(
            settings.allowLoopbackUpstreams(), settings.allowPrivateUpstreams());
    CanaryMetricsSource source =
        new CanaryMetricsSources(
            new GatewayScrapeSource(targets, clock),
            settings.prometheusNamespaceLabel(),
            url -> urlGuard.check(url).map(Problem::message),
            clock);
    // This process's credential for the gateways' admin port (drift checks and every /admin/
    // read); its hash goes out with the consumer table.
    OperatorCredential credential = OperatorCredential.generate();
    return start(
        client,
        settings,
        clock,
        source,
        new GatewayRuntimeView(targets, clock, credential),
        o -> {},
        resources,
        credential);
  }

  /**
   * As {@link #start(KubernetesClient, OperatorSettings, Clock)} with the canary metrics taken from
   * {@code metrics} for every route (tests and the local stack plug in their own source here).
   */
  public static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      CanaryMetricsSource metrics) {
    return start(client, settings, clock, metrics, o -> {});
  }

  /** As above; {@code customizer} may adjust JOSDK's configuration last. */
  public static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      CanaryMetricsSource metrics,
      Consumer<ConfigurationServiceOverrider> customizer) {
    OperatorCredential credential = OperatorCredential.generate();
    GatewayRuntimeView runtime =
        settings.gatewayMetricsUrls().isEmpty()
            ? null
            : new GatewayRuntimeView(
                GatewayTargets.fixed(settings.gatewayMetricsUrls()), clock, credential);
    return start(
        client, settings, clock, metrics, runtime, customizer, new ArrayList<>(), credential);
  }

  private static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      CanaryMetricsSource metrics,
      GatewayRuntimeView runtime,
      Consumer<ConfigurationServiceOverrider> customizer,
      List<AutoCloseable> resources,
      OperatorCredential credential) {
    OperatorMetrics operatorMetrics = new OperatorMetrics();
    resources.add(operatorMetrics);
    int port = -1;
    if (settings.metricsPort() >= 0) {
      port = operatorMetrics.serve(settings.metricsPort());
      LOG.info("operator metrics on port {} at /metrics", port);
    }
    ProgressiveCanaryPlanner planner =
        new ProgressiveCanaryPlanner(
            clock,
            metrics,
            operatorMetrics,
            new DriftCanaryGate(client),
            // A test clock jumps: waits computed from it mean nothing in real time.
            clock instanceof OffsetClock ? OffsetClock.RECHECK : null);
    RetirementWatch retirement = new RetirementWatch(clock);
    retirement.bindTo(operatorMetrics.registry());
    return start(
        client,
        settings,
        clock,
        planner,
        new KubernetesRolloutHooks(client, planner),
        runtime == null ? GatewayObserver.NONE : runtime,
        runtime == null ? null : new ProviderHealth(runtime),
        runtime == null
            ? ConsumerSpendSource.NONE
            : new GatewayConsumerSpend(runtime.targets(), clock, credential),
        runtime == null
            ? CommitmentSource.NONE
            : new GatewayCommitments(runtime.targets(), clock, credential),
        customizer,
        resources,
        port,
        operatorMetrics.registry(),
        retirement,
        runtime == null ? GatewayTargets.fixed(List.of()) : runtime.targets(),
        RoutingTablePublisher.Limits.STANDARD,
        credential,
        lease -> {});
  }

  /** As {@link #start(KubernetesClient, OperatorSettings, Clock)}, with another canary planner. */
  public static SwitchboardOperator start(
      KubernetesClient client, OperatorSettings settings, Clock clock, CanaryPlanner planner) {
    return start(client, settings, clock, planner, o -> {});
  }

  /**
   * As {@link #start(KubernetesClient, OperatorSettings, Clock, CanaryPlanner)}; {@code customizer}
   * may adjust JOSDK's configuration last (e.g. install {@code Metrics}).
   */
  public static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      CanaryPlanner planner,
      Consumer<ConfigurationServiceOverrider> customizer) {
    return start(
        client, settings, clock, planner, customizer, RoutingTablePublisher.Limits.STANDARD);
  }

  /**
   * As {@link #start(KubernetesClient, OperatorSettings, Clock, CanaryPlanner, Consumer)}, with
   * routing tables laid out within {@code tableLimits} (tests reach "too large" with small ones).
   */
  public static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      CanaryPlanner planner,
      Consumer<ConfigurationServiceOverrider> customizer,
      RoutingTablePublisher.Limits tableLimits) {
    return start(client, settings, clock, planner, customizer, tableLimits, lease -> {});
  }

  /**
   * As {@link #start(KubernetesClient, OperatorSettings, Clock, CanaryPlanner, Consumer,
   * RoutingTablePublisher.Limits)}; with leader election on, {@code leaderElection} may adjust the
   * Lease's settings (identity, durations, whether losing the lease exits the JVM) before it is
   * built, keeping the operator's own leader callbacks (tests run several replicas in one JVM).
   */
  public static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      CanaryPlanner planner,
      Consumer<ConfigurationServiceOverrider> customizer,
      RoutingTablePublisher.Limits tableLimits,
      Consumer<LeaderElectionConfigurationBuilder> leaderElection) {
    RolloutHooks hooks =
        planner instanceof ProgressiveCanaryPlanner progressive
            ? new KubernetesRolloutHooks(client, progressive)
            : RolloutHooks.NONE;
    return start(
        client,
        settings,
        clock,
        planner,
        hooks,
        GatewayObserver.NONE,
        null,
        ConsumerSpendSource.NONE,
        CommitmentSource.NONE,
        customizer,
        new ArrayList<>(),
        -1,
        new SimpleMeterRegistry(),
        new RetirementWatch(clock),
        GatewayTargets.fixed(List.of()),
        tableLimits,
        OperatorCredential.generate(),
        leaderElection);
  }

  private static SwitchboardOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      CanaryPlanner planner,
      RolloutHooks hooks,
      GatewayObserver gateways,
      ProviderHealth providerHealth,
      ConsumerSpendSource consumerSpend,
      CommitmentSource commitmentSource,
      Consumer<ConfigurationServiceOverrider> customizer,
      List<AutoCloseable> resources,
      int metricsPort,
      MeterRegistry registry,
      RetirementWatch retirement,
      GatewayTargets evaluationTargets,
      RoutingTablePublisher.Limits tableLimits,
      OperatorCredential credential,
      Consumer<LeaderElectionConfigurationBuilder> leaseSettings) {
    if (!TolerantSerialization.isUsedBy(client)) {
      // Fabric8's default serialization fails on a field the Java types do not know, and JOSDK
      // then stops the operator: one resource from a newer CRD would stop serving for everyone.
      throw new IllegalArgumentException(
          "the operator's KubernetesClient must read resources with TolerantSerialization: build"
              + " it with TolerantSerialization.clientBuilder()");
    }
    // Set before the operator starts, so before this replica can lead.
    java.util.concurrent.atomic.AtomicReference<ModelRouteReconciler> routesOnceLeading =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<ConsumerReconciler> consumersOnceLeading =
        new java.util.concurrent.atomic.AtomicReference<>();
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withUseSSAToPatchPrimaryResource(settings.serverSideApply())
                  .withSSABasedCreateUpdateMatchForDependentResources(settings.serverSideApply());
              if (settings.leaderElection()) {
                var leaderElection =
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                        settings.leaseName());
                if (settings.leaseNamespace() != null) {
                  leaderElection.withLeaseNamespace(settings.leaseNamespace());
                }
                // JOSDK runs this once the informers have synced, before reconciling starts;
                // only the leader writes. Consumer tables first: a namespace with Consumers must
                // not get a routing table (served without keys) before its consumer table.
                leaderElection.withLeaderCallbacks(
                    new io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks(
                        () -> {
                          ConsumerReconciler consumerTables = consumersOnceLeading.get();
                          if (consumerTables != null) {
                            consumerTables.publishAfterSync();
                          }
                          ModelRouteReconciler routes = routesOnceLeading.get();
                          if (routes != null) {
                            routes.publishEmptyTablesWhereNone();
                            routes.withdrawRoutesDeletedMeanwhile();
                            routes.forgetEvaluationsOfDeletedRoutes();
                          }
                        },
                        () -> {},
                        leader -> {}));
                leaseSettings.accept(leaderElection);
                o.withLeaderElectionConfiguration(leaderElection.build());
              }
              customizer.accept(o);
            });

    Conditions conditions = new Conditions(clock);
    EventRecorder events = new EventRecorder(client, clock);
    // Repeats of an event counted in memory are written once their window is over: the window is
    // on the operator's clock, the look on real time. Stopping writes what is left.
    ScheduledExecutorService eventFlush =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "switchboard-event-flush");
              t.setDaemon(true);
              return t;
            });
    long flushMs = EventRecorder.FLUSH_EVERY.toMillis();
    eventFlush.scheduleWithFixedDelay(
        () -> {
          try {
            events.flushDue();
          } catch (RuntimeException e) {
            LOG.warn("could not write coalesced events: {}", e.toString());
          }
        },
        flushMs,
        flushMs,
        TimeUnit.MILLISECONDS);
    resources.add(
        () -> {
          eventFlush.shutdownNow();
          events.flushAll();
        });
    UpstreamAddressGuard guard =
        new UpstreamAddressGuard(
            settings.allowLoopbackUpstreams(), settings.allowPrivateUpstreams());
    ProviderEndpointValidator providerValidator = new ProviderEndpointValidator(guard);
    RoutingPolicyValidator policyValidator = new RoutingPolicyValidator();
    RoutingTableComposer composer = new RoutingTableComposer(new ModelRouteValidator());

    operator.register(
        new ProviderEndpointReconciler(
            providerValidator,
            new ModelPhases(clock),
            conditions,
            events,
            providerHealth,
            new KeyAges(clock),
            commitmentSource,
            clock),
        namespaces(settings));
    ConsumerReconciler consumers =
        new ConsumerReconciler(
            new ConsumerKeysPublisher(client),
            conditions,
            events,
            consumerSpend,
            clock,
            credential);
    operator.register(consumers, namespaces(settings));
    // One publisher for the routes' reconciler and the drift check: the check replays what the
    // published table serves, read from the same (informer-invalidated) copy.
    RoutingTablePublisher publisher = new RoutingTablePublisher(client, tableLimits);
    operator.register(
        new RoutingPolicyReconciler(
            policyValidator,
            conditions,
            events,
            new DriftChecker(
                client,
                namespace -> publisher.published(namespace).table(),
                clock,
                gateways instanceof GatewayRuntimeView view
                    ? new GatewayDriftClient(view.targets(), credential)
                    : DriftClient.NONE,
                events,
                new DriftMetrics(registry),
                // A test clock jumps: waits computed from it mean nothing in real time.
                clock instanceof OffsetClock ? OffsetClock.RECHECK : DriftChecker.MAX_RECHECK)),
        namespaces(settings));
    ModelRouteReconciler modelRoutes =
        new ModelRouteReconciler(
            providerValidator,
            policyValidator,
            composer,
            publisher,
            conditions,
            events,
            planner,
            hooks,
            gateways,
            retirement,
            new EvaluationTracker(
                client, new GatewayEvaluationSource(evaluationTargets, clock, credential), clock),
            alwaysPublished(client, settings),
            // A test clock jumps: replicas catching up are looked at again at its pace.
            clock instanceof OffsetClock
                ? OffsetClock.RECHECK
                : ModelRouteReconciler.GATEWAY_CATCH_UP);
    // Wherever gateways get a routing table they get the operator's credential too, Consumers or
    // not: else the admin port's drift entry would be guarded by the network policy alone.
    // A namespace whose last route went keeps an empty routing table, and so the credential.
    modelRoutes.publishAlongside(consumers::publishOperatorKey);
    operator.register(modelRoutes, namespaces(settings));
    routesOnceLeading.set(modelRoutes);
    consumersOnceLeading.set(consumers);
    operator.start();
    if (!settings.leaderElection()) {
      // start() returns once the informers have synced and reconciling has begun.
      modelRoutes.publishEmptyTablesWhereNone();
      modelRoutes.withdrawRoutesDeletedMeanwhile();
      modelRoutes.forgetEvaluationsOfDeletedRoutes();
      // Each controller reconciles as soon as its own informers have synced: routing tables
      // published before the Consumer informer had synced got no consumer table (it would have
      // said "no Consumer" of every namespace); they get it now.
      consumers.publishAfterSync();
    }
    LOG.info(
        "switchboard operator started (namespaces: {}, leader election: {}, SSA: {})",
        settings.watchNamespaces().isEmpty() ? "all" : settings.watchNamespaces(),
        settings.leaderElection(),
        settings.serverSideApply());
    return new SwitchboardOperator(
        operator, List.copyOf(resources), metricsPort, modelRoutes, events);
  }

  /**
   * Namespaces that always get a routing table (an empty one until the first ModelRoute), so that
   * their gateways become ready on a fresh install: the watched namespaces, or cluster-wide the
   * operator's own (the lease's, else the client's), where the chart installs the gateway. Other
   * namespaces cluster-wide get a table with their first route, as before.
   */
  private static java.util.Set<String> alwaysPublished(
      KubernetesClient client, OperatorSettings settings) {
    if (!settings.watchNamespaces().isEmpty()) {
      return settings.watchNamespaces();
    }
    String own =
        settings.leaseNamespace() != null ? settings.leaseNamespace() : client.getNamespace();
    return own == null || own.isBlank() ? java.util.Set.of() : java.util.Set.of(own);
  }

  private static <R extends HasMetadata> Consumer<ControllerConfigurationOverrider<R>> namespaces(
      OperatorSettings settings) {
    return overrider -> {
      if (settings.watchNamespaces().isEmpty()) {
        overrider.watchingAllNamespaces();
      } else {
        overrider.settingNamespaces(settings.watchNamespaces());
      }
    };
  }

  /**
   * What the ModelRoute reconciler's rendering of a namespace cost so far (routes and whole tables
   * rendered), for tests and diagnostics of incremental rendering.
   */
  public RenderMemo renderMemo(String namespace) {
    return modelRoutes.renderMemo(namespace);
  }

  /** The ModelRoute reconciler, for tests of which informer events reconcile routes. */
  public ModelRouteReconciler modelRoutes() {
    return modelRoutes;
  }

  /**
   * Writes the counts of repeated Events not written yet (coalesced within {@link
   * EventRecorder#COALESCE_WINDOW}): tests, before they read a count.
   */
  public void flushEvents() {
    events.flushAll();
  }

  /** The port of the operator's metrics endpoint, or -1 when it is not served. */
  public int metricsPort() {
    return metricsPort;
  }

  /** Stops the controllers and their informers; the Kubernetes client stays open. */
  public void stop() {
    operator.stop();
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("could not close {}: {}", resource, e.toString());
      }
    }
  }

  @Override
  public void close() {
    stop();
  }
}
