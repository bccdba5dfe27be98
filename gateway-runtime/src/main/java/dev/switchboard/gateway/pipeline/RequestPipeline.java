package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.cache.ResponseCache;
import dev.switchboard.gateway.consumer.ConsumerGate;
import dev.switchboard.gateway.determinism.ModelVersionTracker;
import dev.switchboard.gateway.evaluation.EvaluationRecorder;
import dev.switchboard.gateway.lifecycle.Retirements;
import dev.switchboard.gateway.logging.RequestLogWriter;
import dev.switchboard.gateway.metrics.GatewayMetrics;
import dev.switchboard.gateway.resilience.ClientRateLimiter;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.routing.strategy.AttemptPlanner;
import dev.switchboard.gateway.stats.LiveStats;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The gateway's request path as registered: the one list to read to know what a request goes
 * through, and the one place a new stage is added (see docs/REQUEST-PIPELINE.md).
 */
public final class RequestPipeline {

  private RequestPipeline() {}

  /** The stages of the gateway's request path, in the order requests walk them forward. */
  public static Pipeline create(
      RoutingState state,
      AttemptPlanner planner,
      FailoverChain chain,
      UpstreamCaller caller,
      ClientRateLimiter rateLimiter,
      long maxDeadlineMs,
      GatewayMetrics metrics,
      LiveStats stats,
      RequestLogWriter log,
      DoubleSupplier random,
      ConsumerGate consumers,
      ResponseCache responseCache,
      ModelVersionTracker versions,
      ResilienceRegistry resilience,
      EvaluationRecorder evaluations) {
    AccountStage account = new AccountStage(metrics, stats, log, versions);
    return new Pipeline(
        List.of(
            account, // outermost: every answer walks back through accounting last
            new ValidateStage(state),
            consumers.identifyStage(), // consumer keys: 401
            new ResolveRouteStage(maxDeadlineMs),
            new RetirementStage(new Retirements()),
            consumers.consumerStage(), // consumer models, limits, budget: 403, 429
            consumers.admitStage(rateLimiter), // shared across replicas with a state store
            new DeterministicStage(versions),
            new PlanStage(planner),
            // After planning: the cache partition holds the resolved target and canary arm.
            new CacheStage(responseCache, metrics),
            new ShadowStage(
                caller,
                state,
                random,
                (ctx, failure) -> metrics.attempt(ctx, ctx.target(), failure),
                account::record),
            // A consumer opts out of evaluation mirroring by its labels.
            // Mirrored answers are billed: they draw on committed use like served ones.
            new EvaluationStage(
                caller,
                state,
                resilience,
                evaluations,
                stats.commitments(),
                random,
                RequestPipeline::consumerLabels),
            new ExecuteStage(chain, caller, state),
            new AnswerStage()));
  }

  /** The labels of the calling consumer, empty when consumer keys are not in force. */
  static Map<String, String> consumerLabels(Exchange exchange) {
    return exchange.caller() == null || exchange.caller().consumer() == null
        ? Map.of()
        : exchange.caller().consumer().labels();
  }
}
