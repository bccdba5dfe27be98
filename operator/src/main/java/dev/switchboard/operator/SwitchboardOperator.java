package dev.switchboard.operator;

import dev.switchboard.operator.modelroute.ModelRouteReconciler;
import dev.switchboard.operator.modelroute.ModelRouteValidator;
import dev.switchboard.operator.providerendpoint.ModelPhases;
import dev.switchboard.operator.providerendpoint.ProviderEndpointReconciler;
import dev.switchboard.operator.providerendpoint.ProviderEndpointValidator;
import dev.switchboard.operator.providerendpoint.UpstreamAddressGuard;
import dev.switchboard.operator.publish.RoutingTablePublisher;
import dev.switchboard.operator.render.RoutingTableComposer;
import dev.switchboard.operator.rollout.CanaryPlanner;
import dev.switchboard.operator.routingpolicy.RoutingPolicyReconciler;
import dev.switchboard.operator.routingpolicy.RoutingPolicyValidator;
import dev.switchboard.operator.status.Conditions;
import dev.switchboard.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Clock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Switchboard operator as an embeddable unit: wires the three reconcilers and their
 * collaborators onto a JOSDK {@link Operator}. {@link OperatorMain} runs it as a process; the local
 * stack and the tests run it in-process against the mock API server.
 */
public final class SwitchboardOperator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SwitchboardOperator.class);

  private final Operator operator;

  private SwitchboardOperator(Operator operator) {
    this.operator = operator;
  }

  /**
   * Starts the operator: the controllers begin reconciling once their informers have synced (and,
   * with leader election, once this replica leads). The caller keeps ownership of the client.
   */
  public static SwitchboardOperator start(
      KubernetesClient client, OperatorSettings settings, Clock clock) {
    return start(client, settings, clock, CanaryPlanner.immediate());
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
                o.withLeaderElectionConfiguration(leaderElection.build());
              }
              customizer.accept(o);
            });

    Conditions conditions = new Conditions(clock);
    EventRecorder events = new EventRecorder(client, clock);
    UpstreamAddressGuard guard =
        new UpstreamAddressGuard(
            settings.allowLoopbackUpstreams(), settings.allowPrivateUpstreams());
    ProviderEndpointValidator providerValidator = new ProviderEndpointValidator(guard);
    RoutingPolicyValidator policyValidator = new RoutingPolicyValidator();
    RoutingTableComposer composer = new RoutingTableComposer(new ModelRouteValidator(), planner);

    operator.register(
        new ProviderEndpointReconciler(
            providerValidator, new ModelPhases(clock), conditions, events),
        namespaces(settings));
    operator.register(
        new RoutingPolicyReconciler(policyValidator, conditions, events), namespaces(settings));
    operator.register(
        new ModelRouteReconciler(
            providerValidator,
            policyValidator,
            composer,
            new RoutingTablePublisher(client),
            conditions,
            events),
        namespaces(settings));
    operator.start();
    LOG.info(
        "switchboard operator started (namespaces: {}, leader election: {}, SSA: {})",
        settings.watchNamespaces().isEmpty() ? "all" : settings.watchNamespaces(),
        settings.leaderElection(),
        settings.serverSideApply());
    return new SwitchboardOperator(operator);
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

  /** Stops the controllers and their informers; the Kubernetes client stays open. */
  public void stop() {
    operator.stop();
  }

  @Override
  public void close() {
    stop();
  }
}
