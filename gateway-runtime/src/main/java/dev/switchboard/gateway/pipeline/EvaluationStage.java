package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.contract.Arm;
import dev.switchboard.contract.RoutingTable;
import dev.switchboard.gateway.cost.CommitmentLedger;
import dev.switchboard.gateway.cost.Pricing;
import dev.switchboard.gateway.evaluation.AnswerMeasures;
import dev.switchboard.gateway.evaluation.EvaluationRecorder;
import dev.switchboard.gateway.frontdoor.ChatForm;
import dev.switchboard.gateway.refusal.RefusalDetector;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.resilience.ProviderGuard;
import dev.switchboard.gateway.resilience.RequestNeeds;
import dev.switchboard.gateway.resilience.ResilienceRegistry;
import dev.switchboard.gateway.resilience.SlotPermit;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.ResolvedRoute;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.UpstreamStream;
import dev.switchboard.gateway.upstream.adapter.StreamDecoder;
import dev.switchboard.gateway.upstream.adapter.StreamEventFacts;
import dev.switchboard.gateway.upstream.adapter.ThoughtSignedChat;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * Side-by-side evaluation ({@code ModelRoute.spec.evaluation}): for the evaluation's sample share
 * of chat requests whose first planned target is the evaluation's baseline, the request is replayed
 * to it and sent to every other candidate, each as a stream so time to first token is measured, and
 * each answer is measured ({@link AnswerMeasures}) into the {@link EvaluationRecorder} as a pair.
 * The client is answered by the ordinary path and never waits for, or sees, a mirrored call; the
 * client's disconnect does not cancel them. Mirrored calls go through the provider's bulkhead and
 * quota like any attempt — when either is exhausted, or the target's circuit breaker does not let
 * it through, the mirror is skipped, never queued — and are not counted in the serving metrics (the
 * evaluation has its own figures on the admin port). A closed breaker never counts a mirror; a
 * candidate's breaker whose open period is over admits its mirror as one of its half-open probes,
 * exactly as it would admit a user's request, and counts its outcome as a user's ({@link #admit}).
 * The baseline's mirror is admitted first, then the candidates', and nothing is sent before all are
 * decided: when the baseline is skipped no candidate is sent, and when every candidate is skipped
 * the baseline is not replayed (an answer without its other half makes no pair). Each mirror keeps
 * the request's deadline, as the client's call does. The provider bills mirrored calls like any
 * other, so every answered mirror (baseline replay and candidate) is counted in the {@link
 * CommitmentLedger}, priced like a served answer at the price window in force when it ends.
 *
 * <p>Consumers opt out by label: a request whose consumer carries the evaluation's {@code
 * noMirrorLabel} ({@code name=value}) is never mirrored. The labels come from {@link
 * #consumerLabels} — the hook the consumer stage fills in (today every request has none).
 */
public final class EvaluationStage implements Stage {

  /** The answer text kept for the runbook's examples (only when the policy logs bodies). */
  static final int EXCERPT_CHARS = 280;

  private final UpstreamCaller caller;
  private final RoutingState state;
  private final ResilienceRegistry resilience;
  private final EvaluationRecorder recorder;
  private final CommitmentLedger commitments;
  private final DoubleSupplier random;
  private final Function<Exchange, Map<String, String>> consumerLabels;

  /**
   * @param commitments this month's committed use, which mirrored answers draw on too
   * @param random uniform values in [0, 1) deciding which requests are sampled
   * @param consumerLabels the labels of the request's consumer (opt-out hook)
   */
  public EvaluationStage(
      UpstreamCaller caller,
      RoutingState state,
      ResilienceRegistry resilience,
      EvaluationRecorder recorder,
      CommitmentLedger commitments,
      DoubleSupplier random,
      Function<Exchange, Map<String, String>> consumerLabels) {
    this.caller = caller;
    this.state = state;
    this.resilience = resilience;
    this.recorder = recorder;
    this.commitments = commitments;
    this.random = random;
    this.consumerLabels = consumerLabels;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext primary = exchange.ctx();
    ResolvedRoute route = primary.route();
    RoutingTable.Evaluation evaluation = route.route().evaluation();
    if (evaluation == null
        || evaluation.candidates().isEmpty()
        || !mirrorable(exchange)
        || exchange.plan() == null
        || exchange.plan().isEmpty()
        || (evaluation.untilEpochMs() != null
            && primary.clock().currentTimeMillis() >= evaluation.untilEpochMs())
        || random.getAsDouble() >= evaluation.sample()
        || optedOut(consumerLabels.apply(exchange), evaluation.noMirrorLabel())) {
      return true;
    }
    PlannedTarget baseline = exchange.plan().get(0);
    if (evaluation.baseline() != null && !evaluation.baseline().equals(baseline.id())) {
      // Like with like: a request another target serves first (weights, least latency, a split
      // canary, a retired baseline's successor) would pool pairs of another model into the
      // baseline's figures.
      return true;
    }
    List<PlannedTarget> candidates = new ArrayList<>();
    for (RoutingTable.Target t : evaluation.candidates()) {
      RoutingTable.Provider provider = primary.snapshot().table().providers().get(t.provider());
      if (provider != null && !sameModel(t, baseline.target())) {
        candidates.add(new PlannedTarget(t, provider, Arm.CANARY.wireName()));
      }
    }
    // The internal (chat) form, so requests behind every front door are mirrored alike; each
    // mirror's target gets the form an attempt on it would (ChatForm#forTarget): with the effort
    // the door made of the client's thinking where it honours one, so a candidate is asked to
    // think as the baseline is. No second copy for a request that asked for no thinking.
    ChatForm form = exchange.chatForm();
    ObjectNode body = streamed(form.chat());
    ObjectNode effortBody = form.withEffort() == null ? null : streamed(form.withEffort().chat());
    boolean excerpts = route.logsBodies();
    // A body over the inline limit is written for each mirror's target on a worker, as the
    // request's own attempts are (ExecuteStage): null keeps it on the loop.
    Context offLoop = OffLoop.needed(exchange) ? exchange.context() : null;
    // Owed until recorded (skipped or answered), so a graceful stop waits for them to be reported.
    recorder.opened(candidates.size());
    // The baseline's mirror is admitted first (its key, quota and bulkhead are decided here, at
    // once unless its bulkhead queues it briefly or a shared quota asks the store), then every
    // candidate's, and nothing is sent before all are decided: an answer without its other half
    // makes no pair, yet the provider bills it. So when the baseline is skipped no candidate is
    // sent, and when every candidate is skipped the baseline's replay is not sent either (its
    // admission is given back); either way each candidate counts the request as skipped.
    RequestNeeds needs = RequestNeeds.of(primary);
    admit(baseline, false, needs)
        .onComplete(
            admitted -> {
              Admission base = admitted.result();
              if (base == null) {
                skipped(route, evaluation, baseline, candidates, excerpts);
                return;
              }
              List<Future<Admission>> admissions = new ArrayList<>(candidates.size());
              for (PlannedTarget candidate : candidates) {
                admissions.add(admit(candidate, true, needs));
              }
              Future.join(admissions)
                  .onComplete(
                      decided ->
                          sendAdmitted(
                              primary,
                              route,
                              evaluation,
                              baseline,
                              base,
                              candidates,
                              admissions,
                              form,
                              body,
                              effortBody,
                              offLoop,
                              excerpts));
            });
    return true;
  }

  /**
   * Sends the baseline's replay and each admitted candidate once every candidate's admission is
   * decided; with none admitted, gives the baseline's admission back and sends nothing.
   */
  private void sendAdmitted(
      RequestContext primary,
      ResolvedRoute route,
      RoutingTable.Evaluation evaluation,
      PlannedTarget baseline,
      Admission baseAdmission,
      List<PlannedTarget> candidates,
      List<Future<Admission>> admissions,
      ChatForm form,
      ObjectNode body,
      ObjectNode effortBody,
      Context offLoop,
      boolean excerpts) {
    boolean anySent = false;
    for (Future<Admission> admission : admissions) {
      anySent |= admission.result() != null;
    }
    if (!anySent) {
      // A replay no candidate's answer can pair with would only be billed.
      giveBack(baseline, baseAdmission);
      skipped(route, evaluation, baseline, candidates, excerpts);
      return;
    }
    Future<AnswerMeasures> base =
        send(
            primary,
            baseline,
            bodyFor(form, baseline, body, effortBody),
            offLoop,
            "-eval-baseline",
            baseAdmission);
    for (int i = 0; i < candidates.size(); i++) {
      PlannedTarget candidate = candidates.get(i);
      Admission admission = admissions.get(i).result();
      Future<AnswerMeasures> answer =
          admission == null
              ? Future.succeededFuture(AnswerMeasures.SKIPPED)
              : send(
                  primary,
                  candidate,
                  bodyFor(form, candidate, body, effortBody),
                  offLoop,
                  "-eval",
                  admission);
      Future.all(base, answer)
          .onComplete(
              done ->
                  recorder.record(
                      route.name(),
                      evaluation.id(),
                      baseline.id(),
                      candidate.id(),
                      base.result(),
                      answer.result(),
                      excerpts));
    }
  }

  /**
   * A mirror's body: {@code chat} streamed with usage, in a shallow copy (the request's own form is
   * shared, and only its top-level stream fields differ): a deep copy grew with the body and ran on
   * the event loop.
   */
  private static ObjectNode streamed(ObjectNode chat) {
    ObjectNode body = ThoughtSignedChat.shallowCopy(chat);
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    return body;
  }

  /**
   * The mirror body for {@code target}: the one made of the form an attempt on it is sent ({@link
   * ChatForm#forTarget}, as ExecuteStage picks it), {@code effortBody} where that is the form with
   * the effort.
   */
  private static ObjectNode bodyFor(
      ChatForm form, PlannedTarget target, ObjectNode body, ObjectNode effortBody) {
    return form.forTarget(UpstreamAdapters.forProvider(target.provider()), target) == form
        ? body
        : effortBody;
  }

  /** Counts a sampled request none of whose mirrors was sent: skipped, baseline and candidates. */
  private void skipped(
      ResolvedRoute route,
      RoutingTable.Evaluation evaluation,
      PlannedTarget baseline,
      List<PlannedTarget> candidates,
      boolean excerpts) {
    for (PlannedTarget candidate : candidates) {
      recorder.record(
          route.name(),
          evaluation.id(),
          baseline.id(),
          candidate.id(),
          AnswerMeasures.SKIPPED,
          AnswerMeasures.SKIPPED,
          excerpts);
    }
  }

  /**
   * Whether the request's chat form is the whole question, so its mirrors answer what the client
   * asked: a chat request, and a Messages request its door could translate. A Responses request is
   * not mirrored: its conversation may live on the gateway or the provider ({@code
   * previous_response_id}, {@code conversation}), which the chat form does not carry.
   */
  private static boolean mirrorable(Exchange exchange) {
    Operation op = exchange.ctx().operation();
    return op == Operation.CHAT_COMPLETIONS
        || (op == Operation.MESSAGES && exchange.chatForm().bridgeable());
  }

  /** A candidate serving this request already is not compared with itself. */
  private static boolean sameModel(RoutingTable.Target candidate, RoutingTable.Target baseline) {
    return candidate.provider().equals(baseline.provider())
        && candidate.model().equals(baseline.model());
  }

  /** The opt-out hook: true when the consumer's labels hold {@code label} ({@code name=value}). */
  static boolean optedOut(Map<String, String> labels, String label) {
    if (label == null || labels == null || labels.isEmpty()) {
      return false;
    }
    int eq = label.indexOf('=');
    String name = eq < 0 ? label : label.substring(0, eq);
    String value = eq < 0 ? null : label.substring(eq + 1);
    return labels.containsKey(name) && (value == null || value.equals(labels.get(name)));
  }

  /**
   * What a mirrored call may be sent with: its key, its bulkhead slot (null: no limit), and the
   * breaker whose half-open probe it is (null: none — the breaker is closed, or the target has no
   * breaker), which is owed the call's outcome.
   */
  private record Admission(Optional<String> key, SlotPermit permit, CircuitBreaker probe) {}

  /**
   * Takes what a mirrored call to {@code target} needs before it is sent — a breaker that lets it
   * through, the provider's key, a unit of its quota, a bulkhead slot — or completes with null when
   * one is missing (breaker open, no key, quota or bulkhead exhausted, or a request the target
   * cannot be sent, {@link RequestNeeds#unsendable}: the mirror is skipped, never queued beyond the
   * bulkhead's short wait). Never fails.
   *
   * <p>A closed breaker is only read: a mirror neither asks its permission nor counts in it, like a
   * shadow copy, so the breaker follows what users' requests meet. A breaker that is not closed
   * took the target out of service for the users, and the mirror is skipped rather than hammer it —
   * until its open period is over. Breakers move from open to half-open only when asked, and on a
   * route without user traffic nobody else asks: a candidate {@code mayProbe} asks as a user's
   * request would (on the gateway clock), and when the breaker grants it one of its few half-open
   * probes the mirror is that probe, its outcome counted exactly as a user's ({@link
   * FailoverChain#recordOutcome}): a failure opens the breaker again, and only answers a user's
   * request would be counted a success for close it. The baseline never probes: the very request
   * being mirrored goes to it next, and its probe is the user's.
   */
  private Future<Admission> admit(PlannedTarget target, boolean mayProbe, RequestNeeds needs) {
    if (needs.unsendable(target) != null) {
      // The request could reach it only emptied (a message of nothing but an inline PDF, to
      // Mistral): its answer would pair with nothing the client asked. Skipped, as a split canary's
      // chain skips the target (SkipReason.UNSUPPORTED_CONTENT).
      return Future.succeededFuture();
    }
    CircuitBreaker probe = null;
    CircuitBreaker breaker = resilience.existingBreaker(target.id()).orElse(null);
    if (breaker != null && breaker.getState() != CircuitBreaker.State.CLOSED) {
      if (!mayProbe || !breaker.tryAcquirePermission()) {
        return Future.succeededFuture();
      }
      probe = breaker;
    }
    Optional<String> key;
    try {
      key = ExecuteStage.key(state, target);
    } catch (UpstreamFailure noKey) {
      unprobed(probe);
      return Future.succeededFuture();
    }
    ProviderGuard guard = resilience.guard(target.provider());
    Promise<Admission> admitted = Promise.promise();
    CircuitBreaker probing = probe;
    guard
        .takeQuota()
        .onComplete(
            quota -> {
              if (quota.failed() || !quota.result()) {
                unprobed(probing);
                admitted.complete();
                return;
              }
              guard
                  .acquire(target.target().model())
                  .onComplete(
                      slot -> {
                        if (slot.failed()) {
                          guard.giveBackQuota();
                          unprobed(probing);
                          admitted.complete();
                        } else {
                          admitted.complete(new Admission(key, slot.result(), probing));
                        }
                      });
            });
    return admitted.future();
  }

  /** Gives back what an admission took, for a mirror that will not be sent after all. */
  private void giveBack(PlannedTarget target, Admission admission) {
    release(admission.permit());
    resilience.guard(target.provider()).giveBackQuota();
    unprobed(admission.probe());
  }

  /** A probe permit taken for a mirror that is not sent goes back with no verdict. */
  private static void unprobed(CircuitBreaker probe) {
    if (probe != null) {
      probe.releasePermission();
    }
  }

  /**
   * Delivers a half-open probe's outcome to its breaker once (null: the answer was complete), timed
   * on the breaker's clock from when the mirror was sent. Nothing for a mirror that is no probe.
   */
  private static final class ProbeVerdict {
    /** For a mirror that is no probe (the usual case): gives nothing, allocates nothing. */
    static final ProbeVerdict NONE = new ProbeVerdict(null);

    private final CircuitBreaker breaker;
    private final long start;
    private boolean given;

    ProbeVerdict(CircuitBreaker breaker) {
      this.breaker = breaker;
      this.start = breaker == null ? 0 : breaker.getCurrentTimestamp();
    }

    void give(UpstreamFailure failure) {
      if (breaker == null || given) {
        return;
      }
      given = true;
      FailoverChain.recordOutcome(breaker, breaker.getCurrentTimestamp() - start, failure);
    }
  }

  /** Sends an admitted mirrored call and measures its answer; the future always succeeds. */
  private Future<AnswerMeasures> send(
      RequestContext primary,
      PlannedTarget target,
      ObjectNode body,
      Context offLoop,
      String suffix,
      Admission admission) {
    Promise<AnswerMeasures> measured = Promise.promise();
    RequestContext ctx =
        new RequestContext(primary.requestId() + suffix, primary.operation(), primary.clock());
    ctx.snapshot(primary.snapshot());
    ctx.route(primary.route());
    ctx.target(target);
    ctx.stream(true);
    // The request's deadline, as the client's own call and a shadow copy have (the gateway's
    // maximum, or less with x-switchboard-timeout-ms): every timeout of the mirror is capped by
    // what is left of it, so a slow candidate cannot hold a mirror, and its bulkhead slot, for as
    // long as the provider's own timeouts allow. Cut there, it is that arm's failure.
    ctx.deadlineNanos(primary.deadlineNanos());
    SlotPermit permit = admission.permit();
    ProbeVerdict verdict =
        admission.probe() == null ? ProbeVerdict.NONE : new ProbeVerdict(admission.probe());
    Callable<Buffer> encode =
        () -> {
          ExecuteStage.encodeProbe.run();
          return UpstreamAdapters.forProvider(target.provider())
              .encodeRequest(body, target, Operation.CHAT_COMPLETIONS, true);
        };
    Future<Buffer> bytes;
    try {
      bytes =
          offLoop == null ? Future.succeededFuture(encode.call()) : OffLoop.run(offLoop, encode);
    } catch (Exception e) {
      bytes = Future.failedFuture(e);
    }
    bytes
        .compose(
            encoded ->
                caller.openStream(
                    target, Operation.CHAT_COMPLETIONS, encoded, ctx, admission.key()))
        .onSuccess(upstream -> drain(ctx, upstream, permit, verdict, measured))
        .onFailure(
            err -> {
              release(permit);
              verdict.give(
                  err instanceof UpstreamFailure f
                      ? f
                      : new UpstreamFailure(FailureKind.CONNECT, String.valueOf(err)));
              measured.complete(AnswerMeasures.failure(elapsedMs(ctx)));
            });
    return measured.future();
  }

  private void drain(
      RequestContext ctx,
      UpstreamStream upstream,
      SlotPermit permit,
      ProbeVerdict verdict,
      Promise<AnswerMeasures> measured) {
    StreamDecoder decoder =
        UpstreamAdapters.forProvider(ctx.target().provider())
            .streamDecoder(Operation.CHAT_COMPLETIONS, false, ctx::epochSeconds);
    StringBuilder text = new StringBuilder();
    upstream.attach(
        new UpstreamStream.Sink() {
          private boolean done;

          @Override
          public void onEvent(String data) {
            StreamEventFacts event = decoder.decode(data, upstream.takeParsed(data));
            switch (event.kind()) {
              case DONE -> {
                if (!done) {
                  done = true;
                  Exchange.record(ctx, event);
                  // The answer is complete: its slot comes back now, whenever the upstream
                  // closes, and it is measured and counted once.
                  upstream.answered();
                  release(permit);
                  verdict.give(null);
                  measured.tryComplete(answered(ctx, text));
                }
              }
              case CHUNK, DROP -> {
                Exchange.record(ctx, event);
                String delta = event.textDelta();
                if (delta != null && !delta.isEmpty()) {
                  ctx.firstToken();
                  text.append(delta);
                }
              }
              case ERROR, MALFORMED -> {
                // measured as a truncated (failed) answer below; a probe fails here, as a user's
                // stream is aborted at it (SseRelay)
                verdict.give(
                    event.kind() == StreamEventFacts.Kind.ERROR
                        ? new UpstreamFailure(
                            FailureKind.SERVER_ERROR, "the upstream sent an error event mid-stream")
                        : new UpstreamFailure(
                            FailureKind.BAD_RESPONSE,
                            "the upstream sent a stream event that is not JSON"));
              }
            }
          }

          @Override
          public void onEnd() {
            release(permit);
            if (done) {
              return; // measured and counted at its final event
            }
            // A provider whose close is its end marker (Gemini): complete when the decoder says
            // so, as on the client's path (SseRelay), so measured and counted like a served one.
            StreamEventFacts end = decoder.atEnd();
            if (end != null && end.kind() == StreamEventFacts.Kind.DONE) {
              done = true;
              Exchange.record(ctx, end);
              verdict.give(null);
              measured.tryComplete(answered(ctx, text));
              return;
            }
            // Cut short: billed or not, nothing is known to count (as for a served stream).
            verdict.give(
                new UpstreamFailure(
                    FailureKind.BAD_RESPONSE,
                    "the upstream ended the stream before it was complete"));
            measured.tryComplete(AnswerMeasures.failure(elapsedMs(ctx)));
          }

          @Override
          public void onError(UpstreamFailure failure) {
            release(permit); // idempotent: nothing comes back twice after the final event
            verdict.give(
                failure == null
                    ? new UpstreamFailure(FailureKind.INTERNAL, "the mirror's sink failed")
                    : failure);
            measured.tryComplete(AnswerMeasures.failure(elapsedMs(ctx)));
          }

          @Override
          public void onSinkFailure(RuntimeException err) {
            upstream.cancel(); // nothing more is measured
            onError(null);
          }
        });
  }

  /** A provider without a concurrency limit hands out no permit. */
  private static void release(SlotPermit permit) {
    if (permit != null) {
      permit.release();
    }
  }

  /**
   * A complete mirrored answer: priced at the window in force now (as {@link AccountStage} prices a
   * served one), counted against the month's commitments (it is billed like any call, though kept
   * out of the serving metrics and stats), and measured.
   */
  private AnswerMeasures answered(RequestContext ctx, StringBuilder text) {
    long now = ctx.clock().currentTimeMillis();
    Double cost =
        ctx.usage() == null
            ? null
            : Pricing.costUsd(ctx.target(), ctx.usage(), Instant.ofEpochMilli(now));
    commitments.record(ctx.target().id(), ctx.usage(), cost, now);
    return measures(ctx, text, cost);
  }

  private static AnswerMeasures measures(RequestContext ctx, StringBuilder text, Double cost) {
    boolean refused = ctx.refused() || RefusalDetector.standard().isRefusal(text);
    Double ttft = ctx.ttftMs();
    return new AnswerMeasures(
        false,
        refused,
        ctx.usage() == null ? AnswerMeasures.words(text) : ctx.usage().outputTokens(),
        AnswerMeasures.words(text),
        AnswerMeasures.sentences(text),
        ttft == null ? Double.NaN : ttft,
        elapsedMs(ctx),
        cost == null ? Double.NaN : cost,
        text.length() <= EXCERPT_CHARS ? text.toString() : text.substring(0, EXCERPT_CHARS) + "…");
  }

  private static double elapsedMs(RequestContext ctx) {
    return ctx.durationSeconds() * 1000.0;
  }
}
