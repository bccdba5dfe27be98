package dev.switchboard.gateway.pipeline;

import dev.switchboard.gateway.http.ApiException;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the registered {@link Stage}s over one request: forward until a stage takes the request over
 * or answers it, and back through every entered stage once it finished. The list is built once;
 * running it allocates nothing, and a synchronous stage costs one interface call.
 */
public final class Pipeline {

  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final Stage[] stages;

  public Pipeline(List<Stage> stages) {
    this.stages = stages.toArray(Stage[]::new);
  }

  /** The stages in the order requests walk them forward. */
  public List<Stage> stages() {
    return List.of(stages);
  }

  /** Starts a request at the first stage. */
  public void start(Exchange exchange) {
    run(exchange, 0);
  }

  /** Continues a request after the stage it last entered. */
  void resume(Exchange exchange) {
    run(exchange, exchange.entered() + 1);
  }

  /**
   * Continues a request whose stage took it over for an asynchronous step: {@code decide} finishes
   * that stage's part (it judges the completed {@code step}'s outcome), then the next stage runs.
   * What {@code decide} throws ends the request as a stage's {@link Stage#forward} would: an {@code
   * ApiException} with its error, anything else with an internal error — the request is always
   * answered, walked back and logged, never left open. Nothing when the request finished meanwhile
   * (the client left).
   */
  <T> void resume(Exchange exchange, Future<T> step, Consumer<Future<T>> decide) {
    if (exchange.finished()) {
      return;
    }
    int at = exchange.entered();
    try {
      decide.accept(step);
    } catch (RuntimeException | Error e) {
      fail(exchange, at, e);
      return;
    }
    run(exchange, at + 1);
  }

  /**
   * Continues a request whose stage took it over for an asynchronous step that ends in a callback
   * of its own (a timer, a result handed back to the event loop): {@code step} finishes that
   * stage's part and says whether the next stage runs now (false: it answered, or another step of
   * its own continues the request later). What {@code step} throws ends the request as a stage's
   * {@link Stage#forward} would. Nothing when the request finished meanwhile.
   */
  void resumeIf(Exchange exchange, java.util.function.BooleanSupplier step) {
    if (exchange.finished()) {
      return;
    }
    int at = exchange.entered();
    boolean next;
    try {
      next = step.getAsBoolean();
    } catch (RuntimeException | Error e) {
      fail(exchange, at, e);
      return;
    }
    if (next) {
      run(exchange, at + 1);
    }
  }

  private void run(Exchange exchange, int from) {
    for (int i = from; i < stages.length; i++) {
      if (exchange.finished()) {
        return; // e.g. the client went away while an asynchronous stage ran
      }
      exchange.entered(i);
      boolean next;
      try {
        next = stages[i].forward(exchange);
      } catch (RuntimeException | Error e) {
        fail(exchange, i, e);
        return;
      }
      if (!next) {
        return;
      }
    }
    if (!exchange.finished()) {
      // The last stage answers every request; falling off the end is a registration bug.
      exchange.fail(new IllegalStateException("no stage answered the request"));
    }
  }

  /** Ends a request whose stage {@code stage} threw {@code e}. */
  private void fail(Exchange exchange, int stage, Throwable e) {
    if (e instanceof ApiException api) {
      exchange.fail(api);
      return;
    }
    // Mapped like any gateway failure: a generic 500 naming the request id for the client, the
    // stage and the stack trace in the log line (ErrorMapping).
    exchange.fail(
        new IllegalStateException("stage " + stages[stage].getClass().getName() + " failed", e));
  }

  /** Walks a finished request back through every stage it entered, innermost first. */
  void walkBack(Exchange exchange) {
    for (int i = exchange.entered(); i >= 0; i--) {
      try {
        stages[i].backward(exchange);
      } catch (RuntimeException e) {
        LOG.error(
            "request {}: stage {} failed on the way back",
            exchange.ctx().requestId(),
            stages[i].getClass().getSimpleName(),
            e);
      }
    }
  }
}
