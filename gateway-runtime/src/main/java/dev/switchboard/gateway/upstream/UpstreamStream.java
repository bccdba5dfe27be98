package dev.switchboard.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An upstream SSE stream that has produced its first event for the client. Events decoded before a
 * {@link Sink} is attached are queued (those the attempt held before it committed, at most {@link
 * UpstreamCaller#MAX_HELD_EVENTS}, and what the same network read carried); afterwards they are
 * delivered as they arrive. Exactly one of {@link Sink#onEnd()} or {@link Sink#onError} is called.
 */
public final class UpstreamStream {

  /** Receives the stream's events. */
  public interface Sink {
    void onEvent(String data);

    /**
     * Asked when the upstream closed the stream, before {@link #onEnd()} and before the finish
     * listeners learn the outcome: whether the events so far make a complete answer. A close before
     * that is the upstream's failure (it cut the stream short), and the listeners are told so.
     */
    default boolean completeAtEnd() {
      return true;
    }

    /**
     * The upstream closed the stream normally. Should this throw, the attempt settles as the
     * gateway's failure ({@link FailureKind#INTERNAL}) unless its answer was settled before, and
     * {@link #onSinkFailure} gets the exception.
     */
    void onEnd();

    void onError(UpstreamFailure failure);

    /**
     * This sink threw {@code err} while it took an event the upstream sent or its close: the
     * gateway's failure, not the upstream's, which the sink ends its stream with. By default it is
     * thrown on.
     */
    default void onSinkFailure(RuntimeException err) {
      throw err;
    }
  }

  private final HttpClientRequest request;
  private final HttpClientResponse response;
  private final Deque<String> pending = new ArrayDeque<>();
  private Sink sink;
  private boolean finished;
  private boolean ended;
  private boolean answered;
  private volatile boolean paused;
  private UpstreamFailure failure;
  private Runnable onFinish = () -> {};
  private final java.util.List<java.util.function.Consumer<UpstreamFailure>> finishListeners =
      new java.util.ArrayList<>();

  /** The upstream closed before a sink was attached: its outcome waits for the sink's judgement. */
  private boolean endUnjudged;

  private boolean settled;
  private final java.util.List<java.util.function.Consumer<UpstreamFailure>> settleListeners =
      new java.util.ArrayList<>();
  private UpstreamFailure settledWith;

  /** The first event's data and its parsed form (checked before the attempt committed). */
  private String firstData;

  private JsonNode firstParsed;

  private final Operation format;

  UpstreamStream(HttpClientRequest request, HttpClientResponse response, Operation format) {
    this.request = request;
    this.response = response;
    this.format = format;
  }

  /**
   * The wire format of the events the adapter's decoder relays: the front door's own (passed
   * through) or the internal one the request was bridged through.
   */
  public Operation format() {
    return format;
  }

  /**
   * Attaches the sink and delivers what is already queued. A close that came before is judged now,
   * as if it came after: the attempt settles once the sink relayed the end, or failed when relaying
   * it failed (should a queued event throw, the exception is thrown on, and the {@link #giveUp}
   * that follows settles the attempt).
   */
  public void attach(Sink sink) {
    this.sink = sink;
    while (!pending.isEmpty() && this.sink != null) {
      sink.onEvent(pending.poll());
    }
    if (endUnjudged) {
      endUnjudged = false;
      judgeEnd();
    } else if (ended) {
      sink.onEnd();
    } else if (failure != null) {
      sink.onError(failure);
    }
  }

  /** Pauses reading from the upstream (back-pressure from a slow client). */
  public void pause() {
    paused = true;
    response.pause();
  }

  public void resume() {
    paused = false;
    response.resume();
  }

  /** Whether reading is paused by back-pressure (silence then is not the upstream's fault). */
  boolean paused() {
    return paused;
  }

  /**
   * Aborts the upstream request (client gone, or the gateway gave up); nothing once the stream was
   * {@link #answered()}.
   */
  public void cancel() {
    if (!finished && !answered) {
      reset(null);
    } else {
      settleUnjudgedEnd(null); // closed before a sink took it: nothing spoiled the answer
    }
  }

  /**
   * Aborts the upstream request because the gateway failed while answering with the stream ({@link
   * FailureKind#INTERNAL}): as {@link #cancel()} (nothing once the stream was {@link #answered()}),
   * but the listeners learn {@code failure}, so the attempt is not settled as the success its first
   * event looked like.
   */
  public void giveUp(UpstreamFailure failure) {
    if (!finished && !answered) {
      reset(failure);
    } else {
      settleUnjudgedEnd(failure); // closed before a sink took it, which then failed
    }
  }

  /**
   * Aborts the upstream request because of what it sent (an error event, an event that is not
   * JSON): as {@link #cancel()}, but the finish listeners learn {@code failure}, so the target's
   * breaker counts it. The sink is not called: it made this decision.
   */
  public void abort(UpstreamFailure failure) {
    if (!finished) {
      reset(failure);
    } else {
      settleUnjudgedEnd(failure); // an event queued before the close was the failure
    }
  }

  /**
   * Settles a close no sink has judged yet with {@code outcome}: the stream is given up (or its
   * queued events were bad) before a sink relayed its end.
   */
  private void settleUnjudgedEnd(UpstreamFailure outcome) {
    if (endUnjudged) {
      endUnjudged = false;
      failure = outcome;
      notifyFinished(outcome);
    }
  }

  /** Ends the stream by resetting the request; the finish listeners learn {@code outcome}. */
  private void reset(UpstreamFailure outcome) {
    finished = true;
    onFinish.run();
    failure = outcome;
    request.reset();
    notifyFinished(outcome);
  }

  /**
   * The sink relayed the stream's final event: the answer is complete and the client's stream
   * ended. The finish listeners learn a success now, so the attempt's concurrency permit comes back
   * and its breaker counts the answer without waiting for the upstream to close. The upstream
   * finishes on its own: what it still sends is read and dropped until it closes, so its pooled
   * connection stays reusable; a {@link #cancel()} (the client leaving) no longer resets it, only
   * the attempt's timeouts do (an upstream still open past its idle or total timeout), and however
   * it ends nothing more is reported.
   */
  public void answered() {
    answered = true;
    settle(null);
    if (paused) {
      resume(); // a slow client's back-pressure no longer holds the rest back
    }
    notifyFinished(null);
  }

  /**
   * Runs {@code listener} once when the stream's outcome is known: with null at the final event
   * ({@link #answered()}), after a complete end or a cancel, with the failure after an upstream
   * error or an end before the answer was complete (e.g. to release a concurrency permit, feed a
   * breaker). What happens to the upstream after the final event is never reported.
   */
  public void whenFinished(java.util.function.Consumer<UpstreamFailure> listener) {
    if (answered) {
      listener.accept(null);
    } else if (finished && !endUnjudged) {
      listener.accept(failure);
    } else {
      finishListeners.add(listener);
    }
  }

  /**
   * Runs {@code listener} once when the answer's fate is known, which for a complete answer is
   * earlier than {@link #whenFinished}: with null once the final event was relayed ({@link
   * #answered()}) or the stream closed complete, or after a {@link #cancel()} before that; with the
   * failure when the upstream failed, sent an error event or cut the stream short before its end,
   * or when the gateway gave it up ({@link #giveUp}). A canary's arm is judged by this outcome, not
   * by its first event.
   */
  public void whenSettled(java.util.function.Consumer<UpstreamFailure> listener) {
    if (settled) {
      listener.accept(settledWith);
    } else {
      settleListeners.add(listener);
    }
  }

  private void settle(UpstreamFailure f) {
    if (settled) {
      return;
    }
    settled = true;
    settledWith = f;
    java.util.List<java.util.function.Consumer<UpstreamFailure>> copy =
        java.util.List.copyOf(settleListeners);
    settleListeners.clear();
    copy.forEach(l -> l.accept(f));
  }

  private void notifyFinished(UpstreamFailure f) {
    settle(f);
    java.util.List<java.util.function.Consumer<UpstreamFailure>> copy =
        java.util.List.copyOf(finishListeners);
    finishListeners.clear();
    copy.forEach(l -> l.accept(f));
  }

  void firstEventParsed(String data, JsonNode parsed) {
    firstData = data;
    firstParsed = parsed;
  }

  /**
   * The parsed form of {@code data} when it is the first event, which was parsed once already to
   * check it before the attempt committed; null for any other event. Handed out once.
   */
  public JsonNode takeParsed(String data) {
    if (data != firstData) {
      return null;
    }
    JsonNode parsed = firstParsed;
    firstData = null;
    firstParsed = null;
    return parsed;
  }

  void onFinish(Runnable action) {
    this.onFinish = action;
  }

  boolean finished() {
    return finished;
  }

  /** How many events wait for the sink (before it is attached). */
  int queued() {
    return pending.size();
  }

  void event(String data) {
    if (finished) {
      return;
    }
    if (sink == null) {
      pending.add(data);
    } else {
      sink.onEvent(data);
    }
  }

  /** The sink threw {@code err} while it took an event ({@link Sink#onSinkFailure}). */
  void sinkFailed(RuntimeException err) {
    if (sink == null) {
      throw err; // not the sink's: events wait for it
    }
    sink.onSinkFailure(err);
  }

  void end() {
    if (finished) {
      return;
    }
    finished = true;
    onFinish.run();
    ended = true;
    if (sink == null) {
      // The sink takes the end when it attaches, and the attempt settles as it relays it: a close
      // is a success only once the answer reached the client whole.
      endUnjudged = true;
      return;
    }
    judgeEnd();
  }

  /** Hands the close to the sink and settles the attempt by how the sink took it. */
  private void judgeEnd() {
    try {
      if (!sink.completeAtEnd()) {
        notifyFinished(
            new UpstreamFailure(
                FailureKind.BAD_RESPONSE, "the upstream ended the stream before it was complete"));
        sink.onEnd();
        return;
      }
      // A complete answer is a success once the sink relayed its end (the relay says so at once
      // through answered(), before it finishes the request), not before: ending it may still fail.
      sink.onEnd();
      notifyFinished(null);
    } catch (RuntimeException e) {
      // The gateway failed taking the close (the sink's decoder, encoder or tap threw): the answer
      // did not reach the client whole, so the attempt fails as the gateway's (a settled answer
      // stays settled), and the sink ends its stream with the failure.
      notifyFinished(
          new UpstreamFailure(
              FailureKind.INTERNAL,
              "the gateway failed at the stream's end: " + e.getClass().getSimpleName()));
      sink.onSinkFailure(e);
    }
  }

  void fail(UpstreamFailure f) {
    if (finished) {
      return;
    }
    reset(answered ? null : f); // a failure after the final event spoils no answer
    if (sink != null) {
      sink.onError(f);
    }
  }
}
