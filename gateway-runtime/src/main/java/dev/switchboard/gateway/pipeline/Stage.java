package dev.switchboard.gateway.pipeline;

/**
 * One step of the request path. A request walks the registered stages forward ({@link #forward});
 * once it has an answer (or an error), the answer walks back through every stage it entered, in
 * reverse order ({@link #backward}) — so a stage that ends a request early (an error, a cache hit)
 * still passes the answer through accounting. Stages are built once and shared by every request;
 * per-request state lives in the {@link Exchange}.
 */
public interface Stage {

  /**
   * Does this stage's part of a request.
   *
   * @return true to go on to the next stage at once; false when the stage took the request over: it
   *     then hands its asynchronous step to {@link Exchange#resumeWhen}, whose decision runs back
   *     on the request's event loop and may throw as this method may, or ends the request with
   *     {@link Exchange#fail} or {@link Exchange#finish}
   * @throws dev.switchboard.gateway.http.ApiException to end the request with that error (any other
   *     exception ends it with an internal error)
   */
  boolean forward(Exchange exchange);

  /**
   * Sees the finished request on its way back (its status, outcome, usage and timings are final).
   * Must not throw or block; runs once per request that entered this stage.
   */
  default void backward(Exchange exchange) {}
}
