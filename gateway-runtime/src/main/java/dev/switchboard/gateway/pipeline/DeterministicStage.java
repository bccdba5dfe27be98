package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.determinism.Determinism;
import dev.switchboard.gateway.determinism.ModelVersionTracker;
import dev.switchboard.gateway.determinism.SystemPromptHash;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The deterministic contract (docs/DETERMINISM.md), before {@link PlanStage}. On a route whose
 * policy has {@code deterministic.enabled}: the policy's seed is injected when the client sent none
 * ({@code requireSeed}: 400 instead), the system prompt is hashed, temperature and top_p are
 * recorded as given, and with {@code pinTarget} the chain is fixed here — the first target by
 * priority (no weighted draw, no canary split), then only targets of the identical model (same
 * model id, and the same observed model version where both are known) — so {@link PlanStage} keeps
 * it.
 *
 * <p>It also serves the operator's drift check: a request that came in through the admin port's
 * drift endpoint names one target ({@link Exchange#pinnedTarget()}), and is sent to that target
 * only. The public port never sets it, so clients cannot steer around routing.
 */
public final class DeterministicStage implements Stage {

  private final ModelVersionTracker versions;

  public DeterministicStage(ModelVersionTracker versions) {
    this.versions = versions;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    ResolvedRoute route = ctx.route();
    RoutingTable.Deterministic contract =
        route.policy() == null ? null : route.policy().deterministic();
    boolean on = contract != null && contract.on();
    String pinned = exchange.pinnedTarget();
    if (!on && pinned == null) {
      return true;
    }
    // The internal (chat) form: the body itself behind the OpenAI doors. The Responses and Messages
    // APIs have no seed (the gateway takes a client's on /v1/responses into the chat form), so
    // behind those doors the seed reaches a target only through chat completions: ExecuteStage
    // bridges such a request even to a target that speaks the door's format (OpenAI and Azure
    // serve /responses) when that target honours a seed.
    ObjectNode body = exchange.chat();
    Long seed = null;
    boolean injected = false;
    JsonNode given = body.get("seed");
    if (given != null && !given.isNull()) {
      seed = given.canConvertToLong() && given.isIntegralNumber() ? given.asLong() : null;
    } else if (on && contract.seedRequired() && pinned == null) {
      // A drift check's request (pinned: the operator's, never a client's) carries no seed of its
      // own; it takes the policy's below, so requireSeed cannot make every drift run fail.
      throw new ApiException(
          OpenAiError.invalidRequest(
              "The route '"
                  + route.name()
                  + "' is deterministic and requires a 'seed' in the request.",
              "seed"));
    } else if (on && contract.seed() != null) {
      seed = contract.seed();
      body.put("seed", seed);
      injected = true;
    }
    // A request only the door's own format can carry (a stored follow-up, hosted tools) goes to
    // native targets without its seed: the answer then says the seed was not honoured.
    boolean dropped =
        seed != null
            && ctx.operation() != ctx.operation().internal()
            && !exchange.chatForm().bridgeable();
    ctx.determinism(
        new Determinism(
            seed,
            injected,
            SystemPromptHash.of(body),
            text(body.get("temperature")),
            text(body.get("top_p")),
            dropped));
    if (pinned != null) {
      exchange.plan(List.of(target(ctx, route, pinned)));
    } else if (contract.pinned()) {
      exchange.plan(pinnedChain(route.candidates()));
    }
    return true;
  }

  /**
   * The first candidate by priority (declaration order among equals), then the other candidates
   * serving the identical model, in the same order.
   */
  List<PlannedTarget> pinnedChain(List<PlannedTarget> candidates) {
    List<PlannedTarget> ordered = new ArrayList<>(candidates);
    ordered.sort(Comparator.comparingInt(t -> t.target().priority())); // stable
    if (ordered.isEmpty()) {
      return ordered;
    }
    PlannedTarget first = ordered.get(0);
    Optional<String> firstVersion = versions.current(first.id()).map(s -> s.version());
    List<PlannedTarget> chain = new ArrayList<>();
    chain.add(first);
    for (PlannedTarget t : ordered.subList(1, ordered.size())) {
      if (!t.target().model().equals(first.target().model())) {
        continue;
      }
      Optional<String> version = versions.current(t.id()).map(s -> s.version());
      if (firstVersion.isPresent()
          && version.isPresent()
          && !firstVersion.get().equals(version.get())) {
        continue; // the same id answers with another version there: not identical
      }
      chain.add(t);
    }
    return List.copyOf(chain);
  }

  /**
   * The stable-arm target named {@code provider/model}: this request's stable candidates first,
   * else any of the route's or its rules' targets (a drift check replays to every target the stable
   * arm can serve, whether or not the drift prompt matches that rule). A canary arm's target is
   * refused (400): a drift check compares the stable arm with its baseline, the canary's analysis
   * judges the canary, and its replayed prompts would otherwise land on the canary. Else 400 as
   * unknown. Labelled {@link PlannedTarget#DRIFT}, so the drift run counts in neither arm of a
   * canary's figures.
   */
  private static PlannedTarget target(RequestContext ctx, ResolvedRoute route, String id) {
    for (PlannedTarget t : route.candidates()) {
      if (t.id().equals(id)) {
        return t.asDrift();
      }
    }
    Optional<PlannedTarget> reachable = ctx.snapshot().reachableTarget(route.route(), id);
    if (reachable.isPresent() && PlannedTarget.CANARY.equals(reachable.get().arm())) {
      throw new ApiException(
          OpenAiError.invalidRequest(
              "The target '"
                  + id
                  + "' is in the canary arm of route '"
                  + route.name()
                  + "'; a drift check replays only the stable arm's targets.",
              "x-switchboard-target"));
    }
    return reachable
        .map(PlannedTarget::asDrift)
        .orElseThrow(
            () ->
                new ApiException(
                    OpenAiError.invalidRequest(
                        "The route '" + route.name() + "' has no target '" + id + "'.",
                        "x-switchboard-target")));
  }

  private static String text(JsonNode value) {
    return value == null || value.isNull() ? null : value.toString();
  }
}
