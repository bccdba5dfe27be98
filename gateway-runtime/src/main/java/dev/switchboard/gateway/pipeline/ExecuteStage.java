package dev.switchboard.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.determinism.Determinism;
import dev.switchboard.gateway.frontdoor.ChatForm;
import dev.switchboard.gateway.http.ApiException;
import dev.switchboard.gateway.http.OpenAiError;
import dev.switchboard.gateway.request.RequestContext;
import dev.switchboard.gateway.resilience.FailoverChain;
import dev.switchboard.gateway.routing.PlannedTarget;
import dev.switchboard.gateway.routing.RoutingState;
import dev.switchboard.gateway.upstream.FailureKind;
import dev.switchboard.gateway.upstream.Operation;
import dev.switchboard.gateway.upstream.UpstreamCaller;
import dev.switchboard.gateway.upstream.UpstreamFailure;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapter.EncodedRequest;
import dev.switchboard.gateway.upstream.adapter.UpstreamAdapters;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs the planned chain through the {@link FailoverChain}: each attempt's body is encoded by the
 * target's upstream adapter and sent with the provider's current key. A stream commits at its first
 * event for the client; the result goes to the answer stage, a final failure becomes the mapped
 * error.
 */
public final class ExecuteStage implements Stage {

  private final FailoverChain chain;
  private final UpstreamCaller caller;
  private final RoutingState state;

  public ExecuteStage(FailoverChain chain, UpstreamCaller caller, RoutingState state) {
    this.chain = chain;
    this.caller = caller;
    this.state = state;
  }

  @Override
  public boolean forward(Exchange exchange) {
    RequestContext ctx = exchange.ctx();
    if (ctx.stream()) {
      boolean stripUsage = exchange.stripUsage();
      exchange.resumeWhen(
          chain.execute(
              exchange.plan(),
              ctx,
              pt -> {
                Operation format = format(exchange, pt);
                Optional<String> key = key(state, pt);
                return send(
                    exchange,
                    pt,
                    format,
                    stripUsage,
                    ctx,
                    body -> caller.openStream(pt, format, body, ctx, key));
              }),
          outcome -> decide(exchange, outcome));
    } else {
      exchange.resumeWhen(
          chain.execute(
              exchange.plan(),
              ctx,
              pt -> {
                Operation format = format(exchange, pt);
                Optional<String> key = key(state, pt);
                return send(
                    exchange,
                    pt,
                    format,
                    false,
                    ctx,
                    body -> caller.callJson(pt, format, body, ctx, key, request(exchange, format)));
              }),
          outcome -> decide(exchange, outcome));
    }
    return false;
  }

  /**
   * The chain's result goes to the answer stage; its final failure (already a mapped upstream
   * failure or the client's error) ends the request as it is.
   */
  private static void decide(Exchange exchange, Future<?> outcome) {
    if (outcome.failed()) {
      exchange.fail(outcome.cause());
    } else {
      exchange.result(outcome.result());
    }
  }

  /**
   * The format an attempt on {@code pt} is made in: the front door's own when the target's adapter
   * speaks it (passed through), else the internal one it is bridged through — also when the door's
   * format cannot carry the deterministic seed the target would honour. Decided per attempt, so
   * failover may cross from a native target to a bridged one.
   */
  static Operation format(Exchange exchange, PlannedTarget pt) {
    Operation door = exchange.ctx().operation();
    if (UpstreamAdapters.forProvider(pt.provider()).speaks(door) && !bridgesSeed(exchange, pt)) {
      return door;
    }
    if (!door.bridgeable()) {
      throw notServed(door); // PlanStage keeps such targets out of the chain
    }
    return door.internal();
  }

  /**
   * A deterministic request with a seed behind a door whose format has none (the Responses API): to
   * a target that honours a seed it is bridged through chat completions, where the seed is sent,
   * rather than passed through without it while the answer claims it.
   */
  private static boolean bridgesSeed(Exchange exchange, PlannedTarget pt) {
    Determinism d = exchange.ctx().determinism();
    Operation door = exchange.ctx().operation();
    return d != null
        && door.bridgeable()
        && d.bridgesSeed(door == door.internal(), pt.provider().kind());
  }

  /** The 404 for an operation no target of the plan speaks natively and none may bridge. */
  static ApiException notServed(Operation op) {
    return new ApiException(
        new OpenAiError(
            404,
            "This operation ("
                + op.path()
                + ") is only served for models whose target speaks it natively; no target of"
                + " this model does.",
            "not_found_error",
            null,
            "operation_not_served",
            "not_found"));
  }

  /**
   * The attempt's body in the target's wire format. {@code addedUsage}: the gateway asked the
   * client's stream for usage; a bridged request's stream options are always the gateway's own (the
   * front door's translation added them), so a provider that refuses them never gets them. What the
   * adapter reports it left out or changed goes to {@code attempt}, the context of the attempt (the
   * request's, or a shadow copy's own), in the client's names ({@link
   * dev.switchboard.gateway.frontdoor.FrontDoor#clientParam}); a bridged attempt's list starts with
   * what the door's chat form left out ({@link
   * dev.switchboard.gateway.frontdoor.ChatForm#leftOut}).
   */
  /**
   * Sends an attempt's body ({@link #encode}) with {@code sender}, encoding it on a worker when the
   * client's body is over {@link ValidateStage#INLINE_PARSE_LIMIT} ({@link OffLoop}): translating
   * and writing megabytes of inline images on the event loop would stall every request on it. A
   * small body, the hot path, is encoded in place and sent at once. What encoding throws fails the
   * attempt, as it did in place.
   */
  static <T> Future<T> send(
      Exchange exchange,
      PlannedTarget pt,
      Operation format,
      boolean addedUsage,
      RequestContext attempt,
      Function<Buffer, Future<T>> sender) {
    if (OffLoop.needed(exchange)) {
      return OffLoop.run(exchange, () -> encode(exchange, pt, format, addedUsage, attempt))
          .compose(sender);
    }
    return sender.apply(encode(exchange, pt, format, addedUsage, attempt));
  }

  /** Runs where each attempt's body is encoded: a test observes the thread. */
  static volatile Runnable encodeProbe = () -> {};

  static Buffer encode(
      Exchange exchange,
      PlannedTarget pt,
      Operation format,
      boolean addedUsage,
      RequestContext attempt) {
    encodeProbe.run();
    boolean bridged = format != exchange.ctx().operation();
    UpstreamAdapter adapter = UpstreamAdapters.forProvider(pt.provider());
    // A bridged attempt gets the chat form, with the effort the door made of the client's thinking
    // where the target honours it (ChatForm#forTarget).
    ChatForm form = bridged ? exchange.chatForm().forTarget(adapter, pt) : null;
    EncodedRequest encoded =
        adapter.encode(
            bridged ? form.chat() : request(exchange, format), pt, format, addedUsage || bridged);
    List<String> unhonoured = encoded.unhonoured();
    if (bridged) {
      // What the door's chat form could not carry, then what the adapter left out of that form.
      unhonoured =
          unhonoured.isEmpty()
              ? form.leftOut()
              : once(form.leftOut(), clientNames(exchange, unhonoured));
    }
    if (!unhonoured.isEmpty()) {
      attempt.attemptUnhonoured(unhonoured);
    }
    return encoded.body();
  }

  /**
   * {@code first} then each name of {@code then} it does not hold: the door and the adapter may
   * name the same client parameter (the Responses {@code input[].reasoning}: the client's own
   * reasoning items, and Anthropic's thinking a carrier brought back to another provider).
   */
  private static List<String> once(List<String> first, List<String> then) {
    if (first.isEmpty()) {
      return then;
    }
    List<String> both = new ArrayList<>(first.size() + then.size());
    both.addAll(first);
    for (String name : then) {
      if (!both.contains(name)) {
        both.add(name);
      }
    }
    return List.copyOf(both);
  }

  /**
   * The chat form's names of a bridged attempt's unhonoured parameters, as the client named them.
   */
  private static List<String> clientNames(Exchange exchange, List<String> chatNames) {
    String[] names = new String[chatNames.size()];
    for (int i = 0; i < names.length; i++) {
      names[i] = exchange.frontDoor().clientParam(chatNames.get(i));
    }
    return List.of(names);
  }

  /** The gateway-side request of an attempt made in {@code format}. */
  static ObjectNode request(Exchange exchange, Operation format) {
    return format == exchange.ctx().operation() ? exchange.passThroughBody() : exchange.chat();
  }

  /** The provider's current key; a provider that needs one and has none fails the attempt. */
  static Optional<String> key(RoutingState state, PlannedTarget pt) {
    Optional<String> key = state.keys().keyFor(pt.provider().name());
    if (key.isEmpty() && pt.provider().hasKey()) {
      throw new UpstreamFailure(
          FailureKind.NO_KEY, "no API key is loaded for provider " + pt.provider().name());
    }
    return key;
  }
}
